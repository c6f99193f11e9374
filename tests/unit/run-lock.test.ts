import { expect, it, vi } from 'vitest';
import { withRunLock } from '../../src/activities/run-lock';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
};

it('runs one trainer per run key at a time, heartbeating while the second waits, and others in parallel', async () => {
  vi.useFakeTimers();
  try {
    const events: string[] = [];
    const first = deferred();
    const heartbeats = vi.fn();
    const one = withRunLock('run-a', heartbeats, async () => {
      events.push('a1 start');
      await first.promise;
      events.push('a1 end');
      return 1;
    });
    const two = withRunLock('run-a', heartbeats, async () => {
      events.push('a2 start');
      return 2;
    });
    const other = withRunLock('run-b', heartbeats, async () => {
      events.push('b start');
      return 3;
    });
    await vi.advanceTimersByTimeAsync(12_000);
    expect(events).toEqual(['a1 start', 'b start']);
    expect(heartbeats).toHaveBeenCalledTimes(2);
    first.resolve();
    expect(await Promise.all([one, two, other])).toEqual([1, 2, 3]);
    expect(events).toEqual(['a1 start', 'b start', 'a1 end', 'a2 start']);
  } finally {
    vi.useRealTimers();
  }
});

it('lets the waiting call run when the first one fails, and passes the failure to the first caller only', async () => {
  const first = deferred();
  const failing = withRunLock('run-c', () => undefined, async () => first.promise);
  const waiting = withRunLock('run-c', () => undefined, async () => 'ran');
  first.reject(new Error('trainer exited 1'));
  await expect(failing).rejects.toThrow('trainer exited 1');
  await expect(waiting).resolves.toBe('ran');
});
