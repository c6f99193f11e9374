import { SeededRandom } from '../data/seeded-random';
import { compareText } from '../shared/compare';

export interface SelectBalancedOptions {
  perLabel: number;
  seed: number;
  labels: readonly string[];
}

export interface SelectBalancedResult<T> {
  /** Grouped by label in `labels` order, each group in its seeded random order. */
  selected: T[];
  /** For every label, how many items were missing to reach perLabel (0 when none). */
  shortfall: Record<string, number>;
}

/**
 * Up to perLabel items of each label. Each label's items are sorted by id and shuffled with a
 * generator seeded by (seed, label), so the result does not depend on input order or on the other
 * labels, and a smaller perLabel selects a prefix of a larger one (nested subsamples).
 * Items whose label is not in `labels` are ignored.
 */
export function selectBalanced<T extends { id: string; label: string }>(
  items: readonly T[],
  options: SelectBalancedOptions,
): SelectBalancedResult<T> {
  const { perLabel, seed, labels } = options;
  if (!Number.isInteger(perLabel) || perLabel < 0) {
    throw new Error(`perLabel must be a non-negative integer, got ${perLabel}`);
  }
  const seenIds = new Set<string>();
  for (const item of items) {
    if (seenIds.has(item.id)) {
      // The id is data; the readers name the lines of a repeated id, so it is not repeated here.
      throw new Error(`selectBalanced needs unique ids, but item ${items.indexOf(item)} repeats an earlier id`);
    }
    seenIds.add(item.id);
  }

  const selected: T[] = [];
  const shortfall: Record<string, number> = {};
  for (const label of labels) {
    const candidates = items
      .filter((item) => item.label === label)
      .sort((left, right) => compareText(left.id, right.id));
    const chosen = new SeededRandom(`select:${seed}:${label}`).sample(candidates, Math.min(perLabel, candidates.length));
    selected.push(...chosen);
    shortfall[label] = perLabel - chosen.length;
  }
  return { selected, shortfall };
}
