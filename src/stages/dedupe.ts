import { findNearDuplicates, type NearDuplicateOptions } from './near-duplicates';
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
  | 'duplicate_within_label'
  | 'near_matches_test'
  | 'near_matches_demo'
  | 'near_matches_gold_train'
  | 'near_duplicate_across_labels'
  | 'near_duplicate_within_label';

export interface DedupeRemoval<T extends DedupeSample> {
  sample: T;
  reason: DedupeRemovalReason;
  /** The id of the sample this one duplicates (for within/across-label duplicates). */
  duplicateOf?: string;
  /** For a near-duplicate: the Jaccard similarity of the two texts' shingle sets. */
  similarity?: number;
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
const NEAR_REFERENCE_REASON: Record<ReferenceSource, DedupeRemovalReason> = {
  test: 'near_matches_test',
  demo: 'near_matches_demo',
  'gold-train': 'near_matches_gold_train',
};

export interface DedupeOptions {
  against?: readonly DedupeReference[];
  /**
   * Also remove near-duplicates (near-duplicates.ts: MinHash/LSH over character shingles of the
   * dedupe key, confirmed by exact Jaccard): of a reference (`near_matches_<source>`), or of an
   * earlier kept sample (`near_duplicate_within_label` / `near_duplicate_across_labels`; the
   * earlier one stays). Absent: exact duplicates only, as before.
   */
  nearDuplicates?: NearDuplicateOptions;
}

/**
 * Removes samples that match a reference text (test split, demos, gold train — no leakage), then
 * duplicates among the samples after normalizeForDedupe (a pair: both its texts, text-pairs.ts; a pair
 * never matches a single text): the first occurrence wins within a label,
 * and a text that occurs under two different labels is ambiguous, so all its copies go. With
 * `nearDuplicates`, the samples left are then checked for near-duplicates of the references and
 * of each other. Kept samples stay in input order; `removed` is in input order too.
 */
export function dedupeSamples<T extends DedupeSample>(samples: readonly T[], options: DedupeOptions = {}): DedupeResult<T> {
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
  const keys = new Map<T, string>();
  for (const sample of samples) {
    const key = dedupeKeyOf(sample);
    keys.set(sample, key);
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

  if (options.nearDuplicates) {
    const candidates = samples.filter((sample) => !decisions.has(sample));
    const references = [...referenceSources.entries()];
    const found = findNearDuplicates(
      candidates.map((sample) => keys.get(sample) as string),
      options.nearDuplicates,
      references.map(([key]) => key),
    );
    for (const { index, of, similarity } of found) {
      const sample = candidates[index] as T;
      if ('reference' in of) {
        const sources = (references[of.reference] as [string, Set<ReferenceSource>])[1];
        const source = REFERENCE_PRIORITY.find((candidate) => sources.has(candidate)) as ReferenceSource;
        decisions.set(sample, { sample, reason: NEAR_REFERENCE_REASON[source], similarity });
      } else {
        const original = candidates[of.text] as T;
        const reason = original.label === sample.label ? 'near_duplicate_within_label' : 'near_duplicate_across_labels';
        decisions.set(sample, { sample, reason, duplicateOf: original.id, similarity });
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
