/**
 * One trainer per run folder at a time in this worker. Cells that differ only in where they are
 * scored share one training run; with several GPU slots they can reach it at once, and two
 * trainers writing one folder would corrupt its checkpoints. The second waits (heartbeating, so
 * the server does not take the wait for a dead worker), then runs: the trainer finds the finished
 * run and only re-reads its result. Workers on different machines each have their own folders.
 */
const running = new Map<string, Promise<unknown>>();

const WAIT_HEARTBEAT_MS = 5_000;

export async function withRunLock<T>(runKey: string, heartbeat: () => void, work: () => Promise<T>): Promise<T> {
  for (let current = running.get(runKey); current !== undefined; current = running.get(runKey)) {
    const timer = setInterval(heartbeat, WAIT_HEARTBEAT_MS);
    try {
      await current.catch(() => undefined);
    } finally {
      clearInterval(timer);
    }
  }
  const promise = work();
  running.set(runKey, promise);
  try {
    return await promise;
  } finally {
    if (running.get(runKey) === promise) running.delete(runKey);
  }
}
