import { describe, expect, it } from 'vitest';
import { DRAIN_PER_CHILD } from '../../src/shared/constants';
import { rollOverThreshold } from '../../src/workflows/history-budget';

describe('rollOverThreshold', () => {
  it('leaves room for the drain of both windows below the limit', () => {
    // The sweep-scale bench's windows (100 cells + 5 data products) at the default limit: 10,000 - 105 × 8.
    expect(rollOverThreshold(10_000, 105, DRAIN_PER_CHILD.events)).toBe(9_160);
    expect(rollOverThreshold(10_000_000, 8, DRAIN_PER_CHILD.bytes)).toBe(10_000_000 - 8 * 4096);
  });

  it('never stops a run below half its limit, so that a small limit with large windows still makes progress', () => {
    expect(rollOverThreshold(60, 5, 8)).toBe(30);
    expect(rollOverThreshold(20, 64, 8)).toBe(10);
  });

  it('is the limit itself for a history recorded before the drain was budgeted (no windows counted)', () => {
    expect(rollOverThreshold(10_000, 0, DRAIN_PER_CHILD.events)).toBe(10_000);
  });
});
