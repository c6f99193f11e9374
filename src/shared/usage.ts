/**
 * What LLM work cost, summed: requests, prompt and completion tokens, and the seconds the
 * requests spent waiting on the backend (summed over requests, so it exceeds the elapsed time
 * when requests overlap). Pure and zod-free: the data-product workflow sums its activities' usage.
 */
export interface LlmUsage {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  backendSeconds: number;
}

export const NO_LLM_USAGE: LlmUsage = { requests: 0, promptTokens: 0, completionTokens: 0, backendSeconds: 0 };

/** Sums usages; an absent one (an activity recorded before usage was counted) counts as none. */
export function addLlmUsage(...usages: readonly (LlmUsage | undefined)[]): LlmUsage {
  const sum = { ...NO_LLM_USAGE };
  for (const usage of usages) {
    if (!usage) continue;
    sum.requests += usage.requests;
    sum.promptTokens += usage.promptTokens;
    sum.completionTokens += usage.completionTokens;
    sum.backendSeconds += usage.backendSeconds;
  }
  // Rounded to the millisecond so that records do not carry float noise.
  sum.backendSeconds = Math.round(sum.backendSeconds * 1000) / 1000;
  return sum;
}

/** One finished request as the request logs keep it; `backendMs` is absent in lines written before it was measured. */
export interface RequestCost {
  usage: { promptTokens: number; completionTokens: number };
  backendMs?: number | undefined;
}

export function usageOfRequests(requests: readonly RequestCost[]): LlmUsage {
  return addLlmUsage(
    ...requests.map((request) => ({
      requests: 1,
      promptTokens: request.usage.promptTokens,
      completionTokens: request.usage.completionTokens,
      backendSeconds: (request.backendMs ?? 0) / 1000,
    })),
  );
}
