import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/data/seeded-random';
import { dedupeSamples } from '../../src/stages/dedupe';
import { bandsFor, findNearDuplicates, shingleJaccard, shinglesOf } from '../../src/stages/near-duplicates';
import { normalizeForDedupe } from '../../src/stages/normalize';

const WORDS = (
  'the film story actor plot scene music camera director ending character dialogue screen moment audience ' +
  'slow brilliant boring funny dark bright quiet loud clever simple strange warm cold long short tired fresh ' +
  'watch love hate enjoy follow forget remember laugh cry wait leave return begin finish feel seem'
).split(' ');

/** Distinct random sentences (seeded), each 10 to 16 words. */
function sentences(count: number, seed: string): string[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => {
    const length = 10 + random.nextInt(7);
    return Array.from({ length }, () => WORDS[random.nextInt(WORDS.length)] as string).join(' ');
  });
}

/** The text with one word changed (an "s" appended to it): a near-duplicate of it. */
function oneWordChanged(text: string, position = -2): string {
  const words = text.split(' ');
  const at = position < 0 ? words.length + position : position;
  words[at] = `${words[at] as string}s`;
  return words.join(' ');
}

describe('shingles and exact Jaccard', () => {
  it('uses character shingles, the whole key when shorter', () => {
    expect([...shinglesOf('abcdef', 5)]).toEqual(['abcde', 'bcdef']);
    expect([...shinglesOf('abc', 5)]).toEqual(['abc']);
    expect(shinglesOf('', 5).size).toBe(0);
    expect(shingleJaccard('abcdef', 'abcdeg', 5)).toBeCloseTo(1 / 3, 12);
    expect(shingleJaccard('same text', 'same text')).toBe(1);
  });

  it('chooses bands that make most pairs at the threshold candidates', () => {
    for (const threshold of [0.5, 0.7, 0.8, 0.9]) {
      const { bands, rows } = bandsFor(threshold, 128);
      expect(bands * rows).toBeLessThanOrEqual(128);
      expect(1 - (1 - threshold ** rows) ** bands).toBeGreaterThanOrEqual(0.9);
      // and few pairs at half the threshold (at 0.5, 128 hashes cannot separate so sharply)
      if (threshold >= 0.7) expect(1 - (1 - (threshold / 2) ** rows) ** bands).toBeLessThan(0.05);
    }
  });
});

describe('findNearDuplicates', () => {
  const originals = sentences(400, 'originals');
  const copies = originals.slice(0, 100).map(oneWordChanged);
  const keys = [...originals, ...copies].map(normalizeForDedupe);

  it('finds near-duplicates with their exact Jaccard and keeps distinct texts', () => {
    const found = findNearDuplicates(keys, { threshold: 0.7 });
    const byIndex = new Map(found.map((duplicate) => [duplicate.index, duplicate]));
    for (let copy = 0; copy < 100; copy += 1) {
      const duplicate = byIndex.get(400 + copy);
      expect(duplicate?.of).toEqual({ text: copy });
      expect(duplicate?.similarity).toBe(shingleJaccard(keys[400 + copy] as string, keys[copy] as string));
    }
    // Nothing else: the 400 random sentences are all far apart.
    expect(found).toHaveLength(100);
    for (const duplicate of found) expect(duplicate.similarity).toBeGreaterThanOrEqual(0.7);
  });

  it('respects the threshold: pairs below it are never reported, whatever LSH proposes', () => {
    const similarities = copies.map((copy, index) => shingleJaccard(normalizeForDedupe(copy), keys[index] as string));
    const threshold = [...similarities].sort((left, right) => left - right)[50] as number;
    const found = findNearDuplicates(keys, { threshold });
    const reported = new Set(found.map((duplicate) => duplicate.index - 400));
    similarities.forEach((similarity, index) => {
      if (similarity < threshold) expect(reported.has(index)).toBe(false);
    });
    // Those at or above it: LSH finds them with high probability (0.9 at the threshold, more above).
    const atOrAbove = similarities.filter((similarity) => similarity >= threshold).length;
    expect(found.length).toBeGreaterThanOrEqual(atOrAbove - 3);
    expect(findNearDuplicates(keys, { threshold: 1 })).toEqual([]);
  });

  it('does not depend on the order of the texts: the same pairs are found', () => {
    const pairsOf = (texts: readonly string[]) =>
      findNearDuplicates(texts, { threshold: 0.7 })
        .map(({ index, of }) => [texts[index], texts[(of as { text: number }).text]].sort().join(' | '))
        .sort();
    const expected = pairsOf(keys);
    expect(pairsOf(new SeededRandom('order').shuffle(keys))).toEqual(expected);
    expect(pairsOf([...keys].reverse())).toEqual(expected);
  });

  it('is deterministic for a seed, and matches references before earlier texts', () => {
    expect(findNearDuplicates(keys, { threshold: 0.7, seed: 4 })).toEqual(findNearDuplicates(keys, { threshold: 0.7, seed: 4 }));
    const references = [keys[3] as string];
    const found = findNearDuplicates([keys[3] as string, keys[403] as string], { threshold: 0.7 }, references);
    expect(found.map(({ index, of }) => [index, of])).toEqual([
      [0, { reference: 0 }],
      [1, { reference: 0 }],
    ]);
  });

  it('rejects a threshold outside (0, 1] and bad sizes', () => {
    expect(() => findNearDuplicates(keys, { threshold: 0 })).toThrow(/threshold must be a Jaccard similarity in \(0, 1\], got 0/);
    expect(() => findNearDuplicates(keys, { threshold: 1.5 })).toThrow(/got 1.5/);
    expect(() => findNearDuplicates(keys, { threshold: 0.8, hashes: 1 })).toThrow(/MinHash function count/);
    expect(() => findNearDuplicates(keys, { threshold: 0.8, shingleSize: 0 })).toThrow(/shingle size/);
  });
});

describe('dedupeSamples with near-duplicates', () => {
  const [first, second, third, fourth] = sentences(4, 'dedupe');
  const samples = [
    { id: 'a', text: first as string, label: 'pos' },
    { id: 'b', text: oneWordChanged(first as string), label: 'pos' },
    { id: 'c', text: oneWordChanged(first as string, 0), label: 'neg' },
    { id: 'd', text: second as string, label: 'neg' },
    { id: 'e', text: oneWordChanged(third as string), label: 'neg' },
    { id: 'f', text: fourth as string, label: 'pos' },
  ];
  const against = [{ text: third as string, source: 'test' as const }];

  it('without the option removes exact duplicates only, as before', () => {
    expect(dedupeSamples(samples, { against }).kept.map((sample) => sample.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('with it removes near-duplicates of references and of earlier kept samples, naming why', () => {
    const result = dedupeSamples(samples, { against, nearDuplicates: { threshold: 0.6 } });
    expect(result.kept.map((sample) => sample.id)).toEqual(['a', 'd', 'f']);
    expect(result.removed.map(({ sample, reason, duplicateOf }) => [sample.id, reason, duplicateOf])).toEqual([
      ['b', 'near_duplicate_within_label', 'a'],
      ['c', 'near_duplicate_across_labels', 'a'],
      ['e', 'near_matches_test', undefined],
    ]);
    for (const removal of result.removed) expect(removal.similarity).toBeGreaterThanOrEqual(0.6);
  });
});
