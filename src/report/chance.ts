/**
 * What a classifier scores without learning anything, from the test split's label counts: always
 * predicting the majority class, and guessing uniformly at random (expected scores). A gold baseline
 * that does not clearly beat both makes every gap to gold meaningless; the report says so. Pure.
 */
import { meanAndStd } from './statistics';

export interface Scores {
  macroF1: number;
  accuracy: number;
}

export interface ChanceReferences {
  majority: Scores;
  uniform: Scores;
}

/** Macro-F1 and accuracy of the two reference guessers on a test split with these label counts. */
export function chanceReferences(testCounts: readonly number[]): ChanceReferences {
  const total = testCounts.reduce((sum, count) => sum + count, 0);
  const classes = testCounts.length;
  if (total === 0 || classes === 0) throw new Error('chance references need a non-empty test split');
  const shares = testCounts.map((count) => count / total);
  const majorityShare = Math.max(...shares);
  // The majority class has precision = its share and recall 1; every other class scores 0.
  const majorityF1 = (2 * majorityShare) / (1 + majorityShare);
  // Uniform guessing: precision of class i = its share, recall = 1/k (in expectation).
  const uniformF1 = shares.map((share) => (share === 0 ? 0 : (2 * share * (1 / classes)) / (share + 1 / classes)));
  return {
    majority: { macroF1: majorityF1 / classes, accuracy: majorityShare },
    uniform: { macroF1: uniformF1.reduce((sum, f1) => sum + f1, 0) / classes, accuracy: 1 / classes },
  };
}

/** The better of the two references on macro-F1: what a gold baseline must beat. */
export function bestChanceMacroF1(references: ChanceReferences): number {
  return Math.max(references.majority.macroF1, references.uniform.macroF1);
}

/** Points a gold baseline must clear above chance: 5 macro-F1 points, or twice its std over seeds when larger. */
export const CLEAR_MARGIN = 0.05;

/**
 * Whether gold macro-F1 over seeds is clearly above chance: its mean exceeds the best reference by at
 * least CLEAR_MARGIN and by at least two standard deviations over seeds.
 */
export function goldClearlyAboveChance(goldMacroF1: readonly number[], references: ChanceReferences): boolean {
  const { mean, std } = meanAndStd(goldMacroF1);
  return mean - bestChanceMacroF1(references) >= Math.max(CLEAR_MARGIN, 2 * std);
}

/** The test split's label counts, read off a run's confusion matrix (rows are the gold labels). */
export function testCountsFromConfusion(matrix: readonly (readonly number[])[]): number[] {
  return matrix.map((row) => row.reduce((sum, count) => sum + count, 0));
}
