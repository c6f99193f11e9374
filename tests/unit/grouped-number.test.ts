import { describe, expect, it } from 'vitest';
import { groupedNumber } from '../../src/shared/grouped-number';

describe('groupedNumber', () => {
  it('groups thousands as en-US does, rounding to a whole number', () => {
    for (const value of [0, 7, 999, 1000, 12_345, 999_999.6, 1_234_567, -1_234_567, 98_765_432_109]) {
      expect(groupedNumber(value)).toBe(Math.round(value).toLocaleString('en-US'));
    }
    expect(groupedNumber(1_234_567.4)).toBe('1,234,567');
    expect(groupedNumber(-0.4)).toBe('0');
  });

  it('leaves what is not a grouped whole number as it prints', () => {
    expect(groupedNumber(Number.NaN)).toBe('NaN');
    expect(groupedNumber(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(groupedNumber(1e21)).toBe('1e+21');
  });
});
