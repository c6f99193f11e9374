/**
 * Per-request retries for remote LLM faults. A fault on one request (429, 5xx, a timeout, a reset
 * connection, a reply that is not a completion) costs that request a backoff and a retry, not the
 * whole activity attempt and the requests in flight beside it. Faults that persist past the
 * provider's time budget (`faultBudgetSeconds`, counted from the request's first fault) end the
 * request with `LlmFaultBudgetSpent`, which is retryable: Temporal then retries the activity, which
 * resumes from its append-only log. Bad keys, bad requests and cancellation are thrown at once.
 */
import { ApplicationFailure } from '@temporalio/common';
import { LlmFailureType, isTransientFault } from './errors';
import type { RequestFault } from './types';

export interface BackoffSettings {
  /** The ceiling of the first retry's wait; each retry doubles it, up to `capMs`. */
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 500, capMs: 30_000 };

/**
 * The wait before retry `retry` (1 for the first). A server's `retry-after` is honoured as a floor,
 * with up to a fifth more so that the requests it refused together do not all return in the same
 * instant. Without one: exponential backoff with "equal jitter" (half the ceiling, plus up to half
 * at random), so a retry never comes back at once and a crowd of them spreads out.
 */
export function backoffDelayMs(retry: number, retryAfterMs: number | undefined, random: () => number, settings: BackoffSettings = DEFAULT_BACKOFF): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return Math.round(retryAfterMs * (1 + 0.2 * random()));
  const ceiling = Math.min(settings.capMs, settings.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface FaultRetryOptions {
  budgetMs: number;
  signal?: AbortSignal | undefined;
  backoff?: BackoffSettings;
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each backoff. */
  onFault?: (fault: RequestFault) => void;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function retryAfterOf(failure: ApplicationFailure): number | undefined {
  return typeof failure.nextRetryDelay === 'number' ? failure.nextRetryDelay : undefined;
}

/** Runs `attempt` until it succeeds, throws something that is not a transient fault, or the fault budget is spent. */
export async function retryFaults<T>(attempt: () => Promise<T>, options: FaultRetryOptions): Promise<T> {
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  let firstFaultAt: number | undefined;
  for (let retry = 1; ; retry += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ApplicationFailure) || !isTransientFault(error)) throw error;
      options.signal?.throwIfAborted();
      firstFaultAt ??= now();
      const delayMs = backoffDelayMs(retry, retryAfterOf(error), random, options.backoff);
      const elapsedMs = now() - firstFaultAt;
      if (elapsedMs + delayMs > options.budgetMs) throw budgetSpent(error, retry - 1, elapsedMs, options.budgetMs);
      options.onFault?.({ type: error.type ?? LlmFailureType.Unexpected, retry, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}

function budgetSpent(last: ApplicationFailure, retries: number, elapsedMs: number, budgetMs: number): ApplicationFailure {
  // With no budget a fault is passed on as it is, and the activity's retry policy handles it.
  if (budgetMs === 0) return last;
  const tries = `${retries} ${retries === 1 ? 'retry' : 'retries'}`;
  return ApplicationFailure.create({
    type: LlmFailureType.FaultBudgetSpent,
    nonRetryable: false,
    message: `${last.message} (still failing after ${tries} over ${Math.round(elapsedMs / 1000)} s; faultBudgetSeconds is ${Math.round(budgetMs / 1000)})`,
    cause: last,
  });
}
