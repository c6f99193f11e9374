import { describe, expect, it } from 'vitest';
import { bestChanceMacroF1, chanceReferences, goldClearlyAboveChance, testCountsFromConfusion } from '../../src/report/chance';

describe('chance references', () => {
  it('scores majority and uniform guessing on a balanced split', () => {
    const references = chanceReferences([10, 10, 10, 10]);
    expect(references.majority.accuracy).toBeCloseTo(0.25);
    // Majority class: precision 0.25, recall 1 → F1 0.4; the other three score 0.
    expect(references.majority.macroF1).toBeCloseTo(0.1);
    expect(references.uniform.accuracy).toBeCloseTo(0.25);
    expect(references.uniform.macroF1).toBeCloseTo(0.25);
    expect(bestChanceMacroF1(references)).toBeCloseTo(0.25);
  });

  it('scores an imbalanced split by hand', () => {
    // 80 / 20: majority F1 = 2·0.8/1.8 = 0.8889, macro 0.4444; uniform F1 = 2·0.8·0.5/1.3 = 0.6154 and 2·0.2·0.5/0.7 = 0.2857.
    const references = chanceReferences([80, 20]);
    expect(references.majority.macroF1).toBeCloseTo(0.4444, 4);
    expect(references.majority.accuracy).toBeCloseTo(0.8);
    expect(references.uniform.macroF1).toBeCloseTo((0.6154 + 0.2857) / 2, 3);
  });

  it('reads the test counts off a confusion matrix', () => {
    expect(testCountsFromConfusion([[3, 1], [0, 5]])).toEqual([4, 5]);
  });

  it('calls gold clearly above chance only with a margin of 5 points and two std', () => {
    const references = chanceReferences([10, 10, 10, 10, 10, 10, 10]); // best chance ≈ 0.143
    expect(goldClearlyAboveChance([0.6, 0.62], references)).toBe(true);
    expect(goldClearlyAboveChance([0.16, 0.17], references)).toBe(false); // within 5 points
    expect(goldClearlyAboveChance([0.05, 0.45], references)).toBe(false); // mean 0.25 but std 0.28
  });

  it('refuses an empty split', () => {
    expect(() => chanceReferences([0, 0])).toThrow(/non-empty/);
  });
});
