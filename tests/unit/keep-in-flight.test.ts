import { describe, expect, it } from 'vitest';
import { keepInFlight } from '../../src/activities/keep-in-flight';

describe('keepInFlight', () => {
  it('keeps up to the limit running and asks for the next task when a slot frees', async () => {
    let running = 0;
    let most = 0;
    let started = 0;
    await keepInFlight(3, () => {
      if (started === 10) return undefined;
      started += 1;
      return async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
      };
    });
    expect(started).toBe(10);
    expect(most).toBe(3);
  });

  it('starts nothing after a failure, waits for the running tasks, then throws the first error', async () => {
    const finished: number[] = [];
    let started = 0;
    const run = keepInFlight(3, () => {
      const id = started;
      started += 1;
      return async () => {
        if (id === 1) throw new Error('task 1 failed');
        await new Promise((resolve) => setTimeout(resolve, 20));
        finished.push(id);
      };
    });
    await expect(run).rejects.toThrow('task 1 failed');
    expect(started).toBe(3);
    expect(finished.sort()).toEqual([0, 2]);
  });
});
