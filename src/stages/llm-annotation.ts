/**
 * Study C's annotation logic, pure: an LLM annotator's reply read as a label (with its confidence
 * when the backend gave log-probabilities), the rows that take one annotator's labels, and the
 * class-balanced downsampling of `labelDistribution: rebalanced`. The annotate-with-LLMs activity
 * does the I/O.
 */
import { parseLabelAnswer } from './classify';
import { selectBalanced } from './select';

/** One annotator's answer for one row: the label it names (null = outside the labels) and how sure the model was. */
export interface AnnotatorAnswer {
  label: string | null;
  /** exp(sum of the reply's token log-probabilities): the model's probability of its whole reply; absent when the backend gave none. */
  confidence?: number;
}

/** Reads a reply strictly as one of `labels`; the confidence is the reply's probability when its log-probability is known. */
export function readAnnotatorReply(reply: string, labels: readonly string[], logprob: number | undefined): AnnotatorAnswer {
  const label = parseLabelAnswer(reply, labels) ?? null;
  if (logprob === undefined || !Number.isFinite(logprob)) return { label };
  return { label, confidence: Math.min(1, Math.exp(logprob)) };
}

export interface RebalanceResult<Row> {
  kept: Row[];
  /** Rows per label after rebalancing: the smallest label's count. */
  perLabel: number;
  /** Rows each label lost to the rebalancing. */
  removedByLabel: Record<string, number>;
}

/**
 * Class-balanced downsampling to the smallest label's count (seeded), in the rows' own order. A
 * label no row carries makes every label's count 0: a balanced set over all labels is then empty,
 * which the product records rather than hides.
 */
export function rebalanceLabels<Row extends { id: string; label: string }>(rows: readonly Row[], labels: readonly string[], seed: number): RebalanceResult<Row> {
  const counts = new Map(labels.map((label) => [label, 0]));
  for (const row of rows) {
    if (!counts.has(row.label)) throw new Error(`rebalanceLabels: a row has label "${row.label}", not one of ${labels.join(', ')}`);
    counts.set(row.label, (counts.get(row.label) ?? 0) + 1);
  }
  const perLabel = Math.min(...counts.values());
  const chosen = new Set(selectBalanced(rows, { perLabel, seed, labels }).selected.map((row) => row.id));
  const kept = rows.filter((row) => chosen.has(row.id));
  const removedByLabel = Object.fromEntries(labels.map((label) => [label, (counts.get(label) ?? 0) - perLabel]));
  return { kept, perLabel, removedByLabel };
}
