import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/llm/limiter';
import { createResourcePool } from '../../src/llm/resource-pool';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createLimiter', () => {
  it('never runs more than N tasks at once and runs them all', async () => {
    const limiter = createLimiter(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        limiter.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          expect(limiter.inFlight).toBeLessThanOrEqual(3);
          await sleep(1 + (index % 4));
          running -= 1;
          return index;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(limiter.inFlight).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('frees the slot when a task throws', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('task failed')))).rejects.toThrow('task failed');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });

  it('drops a waiter whose signal aborts', async () => {
    const limiter = createLimiter(1);
    let release!: () => void;
    const first = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const second = limiter.run(async () => 'never', controller.signal);
    expect(limiter.waiting).toBe(1);
    controller.abort(new Error('cancelled'));
    await expect(second).rejects.toThrow('cancelled');
    expect(limiter.waiting).toBe(0);
    release();
    await first;
    expect(limiter.inFlight).toBe(0);
  });

  it('rejects a non-positive concurrency', () => {
    expect(() => createLimiter(0)).toThrow(RangeError);
  });
});

describe('createResourcePool', () => {
  it('lends each resource to one borrower at a time', async () => {
    const pool = createResourcePool(['a', 'b']);
    const busy = new Set<string>();
    await Promise.all(
      Array.from({ length: 10 }, () =>
        pool.use(async (resource) => {
          expect(busy.has(resource)).toBe(false);
          busy.add(resource);
          expect(busy.size).toBeLessThanOrEqual(2);
          await sleep(2);
          busy.delete(resource);
        }),
      ),
    );
  });
});
