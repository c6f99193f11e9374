import { createLimiter } from './limiter';

/** Lends out a fixed set of resources (e.g. context sequences); a borrower waits until one is free. */
export interface ResourcePool<T> {
  use<R>(task: (resource: T) => Promise<R>, signal?: AbortSignal): Promise<R>;
}

export function createResourcePool<T>(resources: readonly T[]): ResourcePool<T> {
  const free = [...resources];
  const limiter = createLimiter(resources.length);
  return {
    use(task, signal) {
      return limiter.run(async () => {
        const resource = free.pop();
        if (resource === undefined) throw new Error('ResourcePool invariant broken: no free resource');
        try {
          return await task(resource);
        } finally {
          free.push(resource);
        }
      }, signal);
    },
  };
}
