import { describe, expect, it } from 'vitest';
import { MIN_EXPECTED_KEEP_SHARE, nextRoundTargets, shortfallOf, unfinishedLabels, type QuotaState } from '../../src/workflows/quota';

const base: QuotaState = { labels: ['a', 'b'], quota: 10, maxRequestsPerLabel: 5, keptByLabel: {}, uniqueByLabel: {}, requestsByLabel: {} };

describe('nextRoundTargets', () => {
  it('asks every label for its quota before anything was generated', () => {
    expect(nextRoundTargets(base)).toEqual({ a: 10, b: 10 });
  });

  it('asks for the deficit divided by the share of candidates kept so far', () => {
    // a kept 8 of 10 (share 0.8): 2 missing → 3 more; b kept 5 of 10 (share 0.5): 5 missing → 10 more.
    const state = { ...base, keptByLabel: { a: 8, b: 5 }, uniqueByLabel: { a: 10, b: 10 }, requestsByLabel: { a: 1, b: 1 } };
    expect(nextRoundTargets(state)).toEqual({ a: 13, b: 20 });
  });

  it('bounds the ask of a label whose candidates were nearly all rejected', () => {
    const state = { ...base, keptByLabel: { a: 0, b: 10 }, uniqueByLabel: { a: 10, b: 10 }, requestsByLabel: { a: 1, b: 1 } };
    expect(MIN_EXPECTED_KEEP_SHARE).toBe(0.2);
    expect(nextRoundTargets(state)).toEqual({ a: 60, b: 10 });
  });

  it('leaves labels that met their quota or used their request cap where they are, and ends when none is left', () => {
    const capped = { ...base, keptByLabel: { a: 10, b: 3 }, uniqueByLabel: { a: 12, b: 20 }, requestsByLabel: { a: 2, b: 5 } };
    expect(unfinishedLabels(capped)).toEqual([]);
    expect(nextRoundTargets(capped)).toBeUndefined();
    expect(shortfallOf(capped)).toEqual({ a: 0, b: 7 });

    const oneLeft = { ...capped, requestsByLabel: { a: 2, b: 4 } };
    // b kept 3 of 20, a share below the floor: 7 missing → 35 more.
    expect(nextRoundTargets(oneLeft)).toEqual({ a: 12, b: 55 });
  });
});
