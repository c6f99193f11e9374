import { describe, expect, it } from 'vitest';
import { dedupeSamples } from '../../src/stages/dedupe';
import { normalizeForDedupe } from '../../src/stages/normalize';

describe('normalizeForDedupe', () => {
  it('folds case, width, punctuation, quotes and whitespace', () => {
    expect(normalizeForDedupe('  “Wake ME up,   please!” ')).toBe('wake me up please');
    expect(normalizeForDedupe('ＡＢＣ\u200B def')).toBe('abc def');
  });

  it('keeps combining marks of Thai and Telugu', () => {
    expect(normalizeForDedupe('ใกล้')).not.toBe(normalizeForDedupe('ใกล'));
    expect(normalizeForDedupe('కొను')).not.toBe(normalizeForDedupe('కను'));
    expect(normalizeForDedupe('ที่นี่')).toMatch(/\p{M}/u);
    expect(normalizeForDedupe('రేపు!')).toBe('రేపు');
  });
});

describe('dedupeSamples', () => {
  it('keeps the first occurrence within a label', () => {
    const samples = [
      { id: 'a', text: 'Wake me up at 7', label: 'alarm' },
      { id: 'b', text: 'wake me up at 7!', label: 'alarm' },
      { id: 'c', text: 'Is it raining?', label: 'weather' },
    ];
    const result = dedupeSamples(samples, { against: [] });
    expect(result.kept.map((sample) => sample.id)).toEqual(['a', 'c']);
    expect(result.removed).toEqual([{ sample: samples[1], reason: 'duplicate_within_label', duplicateOf: 'a' }]);
  });

  it('removes every copy of a text that occurs under two labels', () => {
    const samples = [
      { id: 'a', text: 'Play it louder', label: 'volume_up' },
      { id: 'b', text: 'Something else entirely', label: 'volume_up' },
      { id: 'c', text: 'play it louder.', label: 'play_music' },
      { id: 'd', text: 'Play it LOUDER', label: 'volume_up' },
    ];
    const result = dedupeSamples(samples, { against: [] });
    expect(result.kept.map((sample) => sample.id)).toEqual(['b']);
    expect(result.removed.map((removal) => [removal.sample.id, removal.reason, removal.duplicateOf])).toEqual([
      ['a', 'duplicate_across_labels', 'c'],
      ['c', 'duplicate_across_labels', 'a'],
      ['d', 'duplicate_across_labels', 'a'],
    ]);
  });

  it('removes matches with the test split, demos and gold train (no leakage)', () => {
    const samples = [
      { id: 'a', text: 'Will it snow tomorrow?', label: 'weather' },
      { id: 'b', text: '"Set an alarm for six"', label: 'alarm' },
      { id: 'c', text: 'Copy of gold', label: 'alarm' },
      { id: 'd', text: 'A fresh sentence', label: 'alarm' },
    ];
    const result = dedupeSamples(samples, {
      against: [
        { text: 'will it snow tomorrow', source: 'test' },
        { text: 'will it snow tomorrow', source: 'demo' },
        { text: 'Set an alarm for six.', source: 'demo' },
        { text: 'copy of gold', source: 'gold-train' },
      ],
    });
    expect(result.kept.map((sample) => sample.id)).toEqual(['d']);
    expect(result.removed.map((removal) => removal.reason)).toEqual(['matches_test', 'matches_demo', 'matches_gold_train']);
  });

  it('treats Thai texts differing by a vowel mark as distinct and exact Thai copies as duplicates', () => {
    const samples = [
      { id: 'a', text: 'บ้านอยู่ใกล้', label: 'travel' },
      { id: 'b', text: 'บ้านอยู่ใกล', label: 'travel' },
      { id: 'c', text: '“บ้านอยู่ใกล้”', label: 'travel' },
    ];
    const result = dedupeSamples(samples, { against: [] });
    expect(result.kept.map((sample) => sample.id)).toEqual(['a', 'b']);
    expect(result.removed[0]).toMatchObject({ reason: 'duplicate_within_label', duplicateOf: 'a' });
  });

  it('removes samples that are empty once normalised', () => {
    const result = dedupeSamples([{ id: 'a', text: '!!!', label: 'x' }], { against: [] });
    expect(result.removed[0]?.reason).toBe('empty_after_normalization');
  });
});
