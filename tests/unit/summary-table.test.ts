import { describe, expect, it } from 'vitest';
import { formatSummaryTable, meanAndStd, summarize } from '../../src/report/summary-table';
import type { CellResult } from '../../src/artifacts/results';
import { chanceReferences } from '../../src/report/chance';

const cell = (strategy: string, seed: number, macroF1: number, accuracy: number): CellResult => ({
  key: `${strategy}.${seed}`,
  kind: strategy === 'gold' ? 'gold' : 'synthetic',
  task: 'sib200',
  language: 'cy',
  strategy,
  generator: strategy === 'gold' ? 'gold' : 'smollm2',
  seed,
  trainSize: 70,
  accuracy,
  macroF1,
  metrics: { uri: 'file:///m.json', sha256: '0'.repeat(64), bytes: 1 },
  modelDir: '/m',
  bestEpoch: 1,
  resumedFromEpoch: null,
  trainings: 1,
});

describe('summary table', () => {
  it('computes the sample standard deviation over seeds', () => {
    expect(meanAndStd([0.5, 0.7])).toEqual({ mean: 0.6, std: expect.closeTo(0.141421, 5) as unknown as number });
    expect(meanAndStd([0.4]).std).toBe(0);
  });

  it('reports mean ± std and the gap to gold in F1 points', () => {
    const rows = summarize([cell('TargetDemos', 1, 0.3, 0.4), cell('TargetDemos', 2, 0.5, 0.6), cell('gold', 1, 0.6, 0.7), cell('gold', 2, 0.6, 0.7)]);
    expect(rows.map((row) => row.strategy)).toEqual(['TargetDemos', 'gold']);
    expect(rows[0]!.gapToGold).toBeCloseTo(-0.2);
    const table = formatSummaryTable(rows);
    expect(table).toContain('40.0 ± 14.1');
    expect(table).toContain('-20.0');
  });

  it('adds chance reference rows and leaves out gaps to a gold baseline at chance', () => {
    const chance = new Map([['sib200\u0000cy', chanceReferences([30, 30, 30, 30, 30, 30, 24])]]);
    const atChance = summarize([cell('TargetDemos', 1, 0.3, 0.4), cell('gold', 1, 0.15, 0.2), cell('gold', 2, 0.16, 0.2)], chance);
    expect(atChance.find((row) => row.strategy === 'gold')?.goldAboveChance).toBe(false);
    expect(atChance[0]!.gapToGold).toBeUndefined();
    const table = formatSummaryTable(atChance);
    expect(table).toContain('(majority class)');
    expect(table).toContain('(uniform guess)');
    expect(table).toContain('n/a (gold at chance)');
    expect(table).toContain('note: the gold baseline of sib200 cy is not clearly above chance');

    const above = summarize([cell('TargetDemos', 1, 0.3, 0.4), cell('gold', 1, 0.6, 0.7), cell('gold', 2, 0.62, 0.7)], chance);
    expect(above.find((row) => row.strategy === 'gold')?.goldAboveChance).toBe(true);
    expect(above[0]!.gapToGold).toBeCloseTo(-0.31);
    expect(formatSummaryTable(above)).not.toContain('note:');
  });
});
