/**
 * A promise semaphore: at most `maxInFlight` tasks run at once; the rest wait in FIFO order.
 * The bound can change while tasks run (adaptive concurrency): lowering it lets the tasks already
 * running finish and starts no new one until fewer than the new bound run; raising it starts waiters at once.
 */
export interface Limiter {
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly inFlight: number;
  readonly waiting: number;
  readonly maxInFlight: number;
  setMaxInFlight(maxInFlight: number): void;
}

function checkBound(maxInFlight: number): void {
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`Limiter concurrency must be a positive integer, got ${maxInFlight}`);
  }
}

export function createLimiter(initialMaxInFlight: number): Limiter {
  checkBound(initialMaxInFlight);
  let maxInFlight = initialMaxInFlight;
  let inFlight = 0;
  const waiters: Array<() => void> = [];

  function acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (inFlight < maxInFlight && waiters.length === 0) {
      inFlight += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = waiters.indexOf(grant);
        if (index >= 0) waiters.splice(index, 1);
        reject(signal?.reason);
      };
      // The slot is handed over directly (inFlight stays the same) so no newcomer can jump the queue.
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Starts waiters while the bound allows (after it was raised). */
  function grantWaiters(): void {
    while (inFlight < maxInFlight) {
      const next = waiters.shift();
      if (!next) return;
      inFlight += 1;
      next();
    }
  }

  function release(): void {
    // Above a lowered bound the slot is given up, not handed over.
    const next = inFlight <= maxInFlight ? waiters.shift() : undefined;
    if (next) next();
    else inFlight -= 1;
  }

  return {
    async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      await acquire(signal);
      try {
        return await task();
      } finally {
        release();
      }
    },
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return waiters.length;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    setMaxInFlight(next: number) {
      checkBound(next);
      maxInFlight = next;
      grantWaiters();
    },
  };
}
