import { describe, expect, it } from 'vitest';
import { shuffle } from '../../src/data/seeded-random';
import { selectBalanced } from '../../src/stages/select';

const items = [
  ...Array.from({ length: 30 }, (_, index) => ({ id: `pos-${String(index).padStart(2, '0')}`, label: 'positive' })),
  ...Array.from({ length: 5 }, (_, index) => ({ id: `neg-${index}`, label: 'negative' })),
  { id: 'other-1', label: 'neutral-not-requested' },
];
const labels = ['negative', 'positive'];

describe('selectBalanced', () => {
  it('selects perLabel of each label and reports the shortfall', () => {
    const { selected, shortfall } = selectBalanced(items, { perLabel: 10, seed: 1, labels });
    expect(selected.filter((item) => item.label === 'positive')).toHaveLength(10);
    expect(selected.filter((item) => item.label === 'negative')).toHaveLength(5);
    expect(selected.some((item) => item.label === 'neutral-not-requested')).toBe(false);
    expect(shortfall).toEqual({ negative: 5, positive: 0 });
    expect(new Set(selected.map((item) => item.id)).size).toBe(selected.length);
  });

  it('is deterministic for a seed, different across seeds, and independent of input order', () => {
    const first = selectBalanced(items, { perLabel: 10, seed: 7, labels }).selected;
    expect(selectBalanced(items, { perLabel: 10, seed: 7, labels }).selected).toEqual(first);
    expect(selectBalanced(shuffle(items, 'reorder'), { perLabel: 10, seed: 7, labels }).selected).toEqual(first);
    expect(selectBalanced([...items].reverse(), { perLabel: 10, seed: 7, labels }).selected).toEqual(first);
    expect(selectBalanced(items, { perLabel: 10, seed: 8, labels }).selected).not.toEqual(first);
  });

  it('gives nested selections: a smaller perLabel is a prefix of a larger one per label', () => {
    const small = selectBalanced(items, { perLabel: 3, seed: 2, labels }).selected.filter((item) => item.label === 'positive');
    const large = selectBalanced(items, { perLabel: 12, seed: 2, labels }).selected.filter((item) => item.label === 'positive');
    expect(large.slice(0, 3)).toEqual(small);
  });

  it('rejects duplicate ids and invalid sizes', () => {
    expect(() => selectBalanced([{ id: 'x', label: 'a' }, { id: 'x', label: 'a' }], { perLabel: 1, seed: 1, labels: ['a'] })).toThrow(
      /item 1 repeats an earlier id/,
    );
    expect(() => selectBalanced(items, { perLabel: -1, seed: 1, labels })).toThrow(/perLabel/);
  });
});
