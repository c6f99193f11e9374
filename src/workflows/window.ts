/**
 * A sliding window for workflow code: at most `limit` tasks run at once, the rest wait in FIFO
 * order. Plain promises and a queue with a head index, so releasing a slot costs O(1) however many
 * thousands of cells wait (a `condition` per waiter would re-check every waiter on every change).
 */
export interface Window {
  readonly running: number;
  readonly waiting: number;
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createWindow(limit: number): Window {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a window needs a positive integer limit, got ${limit}`);
  let running = 0;
  const queue: (() => void)[] = [];
  let head = 0;

  const acquire = (): Promise<void> => {
    if (running < limit) {
      running += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => queue.push(resolve));
  };

  const release = (): void => {
    if (head < queue.length) {
      // Hand the slot straight to the next waiter: `running` stays the same.
      const next = queue[head] as () => void;
      queue[head] = () => undefined;
      head += 1;
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
      next();
    } else {
      running -= 1;
    }
  };

  return {
    get running() {
      return running;
    },
    get waiting() {
      return queue.length - head;
    },
    async run<T>(work: () => Promise<T>): Promise<T> {
      await acquire();
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
