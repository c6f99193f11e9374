/**
 * AIMD concurrency per provider: a burst of 429s or timeouts halves the limit once, successes add
 * about one slot per limit's worth, the limit stays within [1, the declared concurrency], every
 * model instance of a process for the same server and model shares it, and its changes are
 * recorded for plotting. Also the limiter's adjustable bound underneath.
 */
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createAdaptiveConcurrency } from '../../src/llm/adaptive-concurrency';
import { LlmFailureType } from '../../src/llm/errors';
import { createLanguageModel } from '../../src/llm/factory';
import { createLimiter } from '../../src/llm/limiter';
import { parseProviderConfig } from '../../src/llm/provider-config';
import { findProviderLoad, providerLoadFor } from '../../src/llm/provider-load';

const rateLimited = () => ApplicationFailure.create({ type: LlmFailureType.RateLimited, nonRetryable: false, message: '429' });
const serverError = () => ApplicationFailure.create({ type: LlmFailureType.ServerError, nonRetryable: false, message: '500' });

/** A task the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createLimiter with an adjustable bound', () => {
  it('lowering the bound lets running tasks finish and starts no new one until fewer run; raising it starts waiters at once', async () => {
    const limiter = createLimiter(4);
    const tasks = Array.from({ length: 8 }, () => deferred());
    let started = 0;
    const runs = tasks.map((task) => limiter.run(async () => ((started += 1), task.promise)));
    await tick();
    expect([started, limiter.inFlight, limiter.waiting]).toEqual([4, 4, 4]);

    limiter.setMaxInFlight(2);
    tasks[0]!.resolve();
    tasks[1]!.resolve();
    await tick();
    expect([started, limiter.inFlight], 'two finished, but 2 still run at the new bound of 2').toEqual([4, 2]);
    tasks[2]!.resolve();
    await tick();
    expect([started, limiter.inFlight], 'a slot below the bound is handed over').toEqual([5, 2]);

    limiter.setMaxInFlight(5);
    await tick();
    expect([started, limiter.inFlight, limiter.waiting]).toEqual([8, 5, 0]);
    for (const task of tasks) task.resolve();
    await Promise.all(runs);
    expect(limiter.inFlight).toBe(0);
    expect(() => limiter.setMaxInFlight(0)).toThrow(RangeError);
  });
});

describe('createAdaptiveConcurrency (AIMD)', () => {
  it('starts at the declared maximum and halves once for a burst of 429s from requests that started together', async () => {
    let now = 1000;
    const concurrency = createAdaptiveConcurrency({ maxConcurrency: 8, now: () => now });
    expect(concurrency.limit).toBe(8);
    const burst = Array.from({ length: 8 }, () => concurrency.run(async () => Promise.reject(rateLimited())).catch(() => 'refused'));
    await Promise.all(burst);
    expect(concurrency.limit).toBe(4);
    expect(concurrency.decreases).toBe(1);

    // A 429 of a request sent after the decrease halves again; a 500 is no congestion signal.
    now = 2000;
    await concurrency.run(async () => Promise.reject(serverError())).catch(() => undefined);
    expect(concurrency.limit).toBe(4);
    await concurrency.run(async () => Promise.reject(rateLimited())).catch(() => undefined);
    expect(concurrency.limit).toBe(2);
    await concurrency.run(async () => Promise.reject(rateLimited())).catch(() => undefined);
    await concurrency.run(async () => Promise.reject(rateLimited())).catch(() => undefined);
    expect(concurrency.limit, 'never below 1').toBe(1);

    expect(concurrency.samples().map((sample) => [sample.atMs, sample.limit])).toEqual([
      [1000, 8],
      [1000, 4],
      [2000, 2],
      [2000, 1],
    ]);
  });

  it('adds about one slot per limit successes and never passes the declared maximum', async () => {
    const concurrency = createAdaptiveConcurrency({ maxConcurrency: 4 });
    await concurrency.run(async () => Promise.reject(rateLimited())).catch(() => undefined);
    await concurrency.run(async () => Promise.reject(rateLimited())).catch(() => undefined);
    expect(concurrency.limit).toBe(1);
    const limitsAfter: number[] = [];
    for (let success = 1; success <= 12; success += 1) {
      await concurrency.run(async () => 'ok');
      limitsAfter.push(concurrency.limit);
    }
    // The window grows by 1/window a success: 1 → 2 → 2.5 → 2.9 → 3.24 → 3.55 → 3.83 → 4.09, then capped at 4.
    expect(limitsAfter).toEqual([2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4]);
  });

  it('is shared by every model of a process for the same server and model, at the smaller of two declared concurrencies', async () => {
    const baseURL = 'http://127.0.0.1:9/v1';
    const first = createLanguageModel(parseProviderConfig({ kind: 'openai-compatible', baseURL, model: 'shared', concurrency: 6 }), { env: {} });
    const load = findProviderLoad({ baseURL, model: 'shared' });
    expect(load?.concurrency.maxConcurrency).toBe(6);
    createLanguageModel(parseProviderConfig({ kind: 'openai-compatible', baseURL: `${baseURL}/`, model: 'shared', concurrency: 3, faultBudgetSeconds: 10 }), { env: {} });
    expect(findProviderLoad({ baseURL, model: 'shared' })).toBe(load);
    expect(load?.concurrency.limit).toBe(3);
    expect(providerLoadFor({ baseURL, model: 'other' }, 2)).not.toBe(load);
    expect(first.concurrency, 'callers still keep the declared concurrency in flight; the shared limit queues them').toBe(6);
  });
});
