/** Study B's size axis: class-balanced totals and batch size by size bracket. Pure and workflow-safe. */
import { SeededRandom } from '../data/seeded-random';

export interface BatchSizeBracket {
  /** The bracket holds training sets of at most this many rows (and more than the previous bracket's). */
  upTo: number;
  batchSize: number;
}

/** The batch size of the first bracket that holds `size` rows; `otherwise` above the last one. */
export function batchSizeForSize(size: number, brackets: readonly BatchSizeBracket[], otherwise: number): number {
  return brackets.find((bracket) => size <= bracket.upTo)?.batchSize ?? otherwise;
}

/** At least this many rows per class, whatever the total (study B). */
export const MIN_PER_LABEL = 2;

/**
 * Rows per label for a class-balanced total: ⌊size / C⌋ each (at least 2), the remainder one more
 * for the first labels of a seeded order. A larger size never gives a label fewer rows, so with
 * selectBalanced's prefix property the sets of one seed are nested.
 */
export function perLabelCounts(size: number, labels: readonly string[], seed: number): Record<string, number> {
  const base = Math.max(MIN_PER_LABEL, Math.floor(size / labels.length));
  const remainder = Math.max(0, size - base * labels.length);
  const order = new SeededRandom(`size-remainder:${seed}`).shuffle([...labels]);
  const extra = new Set(order.slice(0, remainder));
  return Object.fromEntries(labels.map((label) => [label, base + (extra.has(label) ? 1 : 0)]));
}
