/**
 * Concurrency that adapts to what a provider takes: AIMD, as TCP's congestion window. Each
 * request that succeeds adds 1/limit to the limit (about one more slot per limit's worth of
 * successes); a 429 or a timeout halves it. Only a congestion signal from a request that started
 * after the last decrease counts, so a burst of 429s from one crowd of requests halves the limit
 * once, not once per request. The limit stays within [1, maxConcurrency] (the provider's declared
 * `concurrency`), and starts at the maximum: a server that copes never waits.
 *
 * Every change of the whole-number limit is kept as a sample (time, limit, in flight), so a test or
 * a bench can plot concurrency over time.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isCongestionSignal } from './errors';
import { createLimiter } from './limiter';

export interface ConcurrencySample {
  /** Milliseconds since the epoch. */
  atMs: number;
  limit: number;
  inFlight: number;
}

export interface AdaptiveConcurrency {
  /** Runs one attempt in a slot; its outcome moves the limit. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly limit: number;
  readonly maxConcurrency: number;
  readonly inFlight: number;
  /** Lowers the ceiling (never raises it): one server declared with two concurrencies gets the smaller. */
  capAt(maxConcurrency: number): void;
  samples(): ConcurrencySample[];
  readonly decreases: number;
}

export interface AdaptiveConcurrencyOptions {
  maxConcurrency: number;
  decreaseFactor?: number;
  now?: () => number;
  /** Samples kept; older ones are dropped first. */
  maxSamples?: number;
}

export function createAdaptiveConcurrency(options: AdaptiveConcurrencyOptions): AdaptiveConcurrency {
  const now = options.now ?? Date.now;
  const decreaseFactor = options.decreaseFactor ?? 0.5;
  const maxSamples = options.maxSamples ?? 10_000;
  let maxConcurrency = options.maxConcurrency;
  let window = maxConcurrency;
  const limiter = createLimiter(maxConcurrency);
  const samples: ConcurrencySample[] = [];
  /** Counts starts, so a congestion signal can tell whether its request started after the last decrease. */
  let started = 0;
  let startsAtLastDecrease = 0;
  let decreases = 0;

  const record = () => {
    samples.push({ atMs: now(), limit: limiter.maxInFlight, inFlight: limiter.inFlight });
    if (samples.length > maxSamples) samples.splice(0, samples.length - maxSamples);
  };
  const apply = () => {
    const limit = Math.max(1, Math.min(maxConcurrency, Math.floor(window)));
    if (limit !== limiter.maxInFlight) {
      limiter.setMaxInFlight(limit);
      record();
    }
  };
  record();

  return {
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      return limiter.run(async () => {
        started += 1;
        const ticket = started;
        try {
          const result = await task();
          window = Math.min(maxConcurrency, window + 1 / window);
          apply();
          return result;
        } catch (error) {
          if (error instanceof ApplicationFailure && isCongestionSignal(error) && ticket > startsAtLastDecrease) {
            window = Math.max(1, window * decreaseFactor);
            startsAtLastDecrease = started;
            decreases += 1;
            apply();
          }
          throw error;
        }
      }, signal);
    },
    get limit() {
      return limiter.maxInFlight;
    },
    get maxConcurrency() {
      return maxConcurrency;
    },
    get inFlight() {
      return limiter.inFlight;
    },
    get decreases() {
      return decreases;
    },
    capAt(ceiling: number) {
      if (ceiling >= maxConcurrency) return;
      maxConcurrency = ceiling;
      window = Math.min(window, ceiling);
      apply();
    },
    samples() {
      return [...samples];
    },
  };
}
