import { describe, expect, it } from 'vitest';
import { BitSet } from '../../src/shared/bitset';

describe('BitSet', () => {
  it('round-trips through hex and counts its members', () => {
    const set = new BitSet(10_000);
    for (const index of [0, 7, 8, 9_999, 4_321]) set.add(index);
    const hex = set.toHex();
    expect(hex).toHaveLength(2_500);
    const copy = new BitSet(10_000, hex);
    expect([0, 7, 8, 9_999, 4_321].every((index) => copy.has(index))).toBe(true);
    expect(copy.has(1)).toBe(false);
    expect(copy.count()).toBe(5);
  });

  it('rejects indices outside its size and hex of the wrong length', () => {
    expect(() => new BitSet(9).add(9)).toThrow(/outside 0..8/);
    expect(() => new BitSet(16, 'ff')).toThrow(/needs 4 hex characters/);
  });
});
