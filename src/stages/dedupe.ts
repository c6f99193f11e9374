import { dedupeKeyOf } from './text-pairs';

export interface DedupeSample {
  id: string;
  text: string;
  /** The second text of a pair (NLI's hypothesis): pairs are keyed on both texts (text-pairs.ts). */
  textPair?: string | undefined;
  label: string;
}

export type ReferenceSource = 'demo' | 'test' | 'gold-train';

export interface DedupeReference {
  text: string;
  textPair?: string | undefined;
  source: ReferenceSource;
}

export type DedupeRemovalReason =
  | 'empty_after_normalization'
  | 'matches_test'
  | 'matches_demo'
  | 'matches_gold_train'
  | 'duplicate_across_labels'
  | 'duplicate_within_label';

export interface DedupeRemoval<T extends DedupeSample> {
  sample: T;
  reason: DedupeRemovalReason;
  /** The id of the sample this one duplicates (for within/across-label duplicates). */
  duplicateOf?: string;
}

export interface DedupeResult<T extends DedupeSample> {
  kept: T[];
  removed: DedupeRemoval<T>[];
}

const REFERENCE_PRIORITY: ReferenceSource[] = ['test', 'demo', 'gold-train'];
const REFERENCE_REASON: Record<ReferenceSource, DedupeRemovalReason> = {
  test: 'matches_test',
  demo: 'matches_demo',
  'gold-train': 'matches_gold_train',
};

/**
 * Removes samples that match a reference text (test split, demos, gold train — no leakage), then
 * duplicates among the samples after normalizeForDedupe (a pair: both its texts, text-pairs.ts; a pair
 * never matches a single text): the first occurrence wins within a label,
 * and a text that occurs under two different labels is ambiguous, so all its copies go.
 * Kept samples stay in input order; `removed` is in input order too.
 */
export function dedupeSamples<T extends DedupeSample>(
  samples: readonly T[],
  options: { against?: readonly DedupeReference[] } = {},
): DedupeResult<T> {
  const referenceSources = new Map<string, Set<ReferenceSource>>();
  for (const reference of options.against ?? []) {
    const key = dedupeKeyOf(reference);
    if (key === '') continue;
    const sources = referenceSources.get(key) ?? new Set<ReferenceSource>();
    sources.add(reference.source);
    referenceSources.set(key, sources);
  }

  const decisions = new Map<T, DedupeRemoval<T>>();
  const groups = new Map<string, T[]>();
  for (const sample of samples) {
    const key = dedupeKeyOf(sample);
    if (key === '') {
      decisions.set(sample, { sample, reason: 'empty_after_normalization' });
      continue;
    }
    const sources = referenceSources.get(key);
    const matchedSource = REFERENCE_PRIORITY.find((source) => sources?.has(source));
    if (matchedSource !== undefined) {
      decisions.set(sample, { sample, reason: REFERENCE_REASON[matchedSource] });
      continue;
    }
    const group = groups.get(key) ?? [];
    group.push(sample);
    groups.set(key, group);
  }

  for (const group of groups.values()) {
    const [first, ...rest] = group;
    if (first === undefined) continue;
    const isAmbiguous = group.some((sample) => sample.label !== first.label);
    if (isAmbiguous) {
      const firstOtherLabel = group.find((sample) => sample.label !== first.label);
      decisions.set(first, { sample: first, reason: 'duplicate_across_labels', duplicateOf: firstOtherLabel?.id });
      for (const sample of rest) {
        decisions.set(sample, { sample, reason: 'duplicate_across_labels', duplicateOf: first.id });
      }
    } else {
      for (const sample of rest) {
        decisions.set(sample, { sample, reason: 'duplicate_within_label', duplicateOf: first.id });
      }
    }
  }

  const kept: T[] = [];
  const removed: DedupeRemoval<T>[] = [];
  for (const sample of samples) {
    const removal = decisions.get(sample);
    if (removal) removed.push(removal);
    else kept.push(sample);
  }
  return { kept, removed };
}
