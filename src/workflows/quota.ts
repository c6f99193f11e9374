/**
 * How much a data product still has to generate so that each label ends with its quota of KEPT
 * samples (accepted by the judge, unique, no leak into test or demos), and when to stop. Pure and
 * workflow-safe: the data-product workflow decides each round with it.
 *
 * A round asks each unfinished label for its deficit divided by the share of its candidates that
 * were kept so far, so a judge that rejects a fifth of them is met in about two rounds instead of
 * one round per halving of the deficit. The share has a floor, so a label whose candidates were all
 * rejected asks for a bounded number, and the request cap (`maxRequestsPerLabel`, over all rounds)
 * ends every label: each round with work makes at least one request per unfinished label.
 */

/** The least share of candidates a round expects to keep: at most this many times the deficit is asked for. */
export const MIN_EXPECTED_KEEP_SHARE = 0.2;

export interface QuotaState {
  labels: readonly string[];
  /** Kept samples wanted per label. */
  quota: number;
  /** Generation requests allowed per label, over all rounds. */
  maxRequestsPerLabel: number;
  /** Kept so far, per label. */
  keptByLabel: Readonly<Record<string, number>>;
  /** Unique candidates generated so far (all judged and deduped), per label. */
  uniqueByLabel: Readonly<Record<string, number>>;
  /** Generation requests made so far, per label. */
  requestsByLabel: Readonly<Record<string, number>>;
}

/** Labels still short of their quota that may still make a request. */
export function unfinishedLabels(state: QuotaState): string[] {
  return state.labels.filter(
    (label) => (state.keptByLabel[label] ?? 0) < state.quota && (state.requestsByLabel[label] ?? 0) < state.maxRequestsPerLabel,
  );
}

/**
 * The next round's cumulative target of unique candidates for every label, or undefined when no
 * label has anything left to do (all met their quota or reached the request cap). A label with
 * nothing to do keeps its current count as its target, so it generates nothing.
 */
export function nextRoundTargets(state: QuotaState): Record<string, number> | undefined {
  const unfinished = new Set(unfinishedLabels(state));
  if (unfinished.size === 0) return undefined;
  return Object.fromEntries(
    state.labels.map((label) => {
      const unique = state.uniqueByLabel[label] ?? 0;
      if (!unfinished.has(label)) return [label, unique];
      const kept = state.keptByLabel[label] ?? 0;
      const keptShare = unique > 0 ? Math.max(kept / unique, MIN_EXPECTED_KEEP_SHARE) : 1;
      return [label, unique + Math.ceil((state.quota - kept) / keptShare)];
    }),
  );
}

/** Per label, how many kept samples are missing to reach the quota (0 when none). */
export function shortfallOf(state: Pick<QuotaState, 'labels' | 'quota' | 'keptByLabel'>): Record<string, number> {
  return Object.fromEntries(state.labels.map((label) => [label, Math.max(0, state.quota - (state.keptByLabel[label] ?? 0))]));
}
