/**
 * What one worker process sends to one LLM server: its adaptive concurrency and its fault counts.
 * Process-wide, keyed by the server and model (not by the whole provider config), so every activity
 * of a worker, whatever data product it serves, shares one limit per provider: a burst of 429s
 * lowers the load for all of them instead of each burning its own retries.
 */
import { createAdaptiveConcurrency, type AdaptiveConcurrency } from './adaptive-concurrency';
import type { RequestFault } from './types';

export interface ProviderFaultStats {
  /** Retries sent after a fault, by the fault's type. */
  retriesByType: Record<string, number>;
  retries: number;
  /** Time requests spent waiting in backoff, summed over requests (they wait side by side). */
  backoffMs: number;
}

export interface ProviderLoad {
  readonly key: string;
  readonly concurrency: AdaptiveConcurrency;
  readonly faults: ProviderFaultStats;
  recordFault(fault: RequestFault): void;
}

export interface ProviderIdentity {
  baseURL: string;
  model: string;
}

const loads = new Map<string, ProviderLoad>();

export function providerLoadKey(identity: ProviderIdentity): string {
  return `${identity.baseURL.replace(/\/+$/, '')} ${identity.model}`;
}

export function providerLoadFor(identity: ProviderIdentity, maxConcurrency: number): ProviderLoad {
  const key = providerLoadKey(identity);
  const existing = loads.get(key);
  if (existing) {
    existing.concurrency.capAt(maxConcurrency);
    return existing;
  }
  const faults: ProviderFaultStats = { retriesByType: {}, retries: 0, backoffMs: 0 };
  const load: ProviderLoad = {
    key,
    concurrency: createAdaptiveConcurrency({ maxConcurrency }),
    faults,
    recordFault(fault) {
      faults.retries += 1;
      faults.retriesByType[fault.type] = (faults.retriesByType[fault.type] ?? 0) + 1;
      faults.backoffMs += fault.delayMs;
    },
  };
  loads.set(key, load);
  return load;
}

/** The load of a provider this process has sent requests to, if any. */
export function findProviderLoad(identity: ProviderIdentity): ProviderLoad | undefined {
  return loads.get(providerLoadKey(identity));
}
