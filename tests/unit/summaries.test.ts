import { expect, it } from 'vitest';
import { cellSummary, cellTitle, dataProductSummary, sweepProgressLine, sweepSummary, sweepTitle } from '../../src/shared/summaries';

const cell = { kind: 'synthetic' as const, task: 'sib200', language: 'cy', strategy: 'TargetDemos', generator: 'smollm2-135m', seed: 1 };

it('writes one readable line per cell, data product and sweep', () => {
  expect(cellTitle(cell)).toBe('sib200 · cy · TargetDemos · smollm2-135m · seed 1');
  expect(cellSummary(cell, 0.61234)).toBe('sib200 · cy · TargetDemos · smollm2-135m · seed 1 → macro-F1 61.2');
  expect(cellSummary({ ...cell, kind: 'gold', strategy: 'gold', generator: 'gold' }, 0.5)).toBe('sib200 · cy · gold · seed 1 → macro-F1 50.0');

  const product = { task: 'sib200', language: 'cy', strategy: 'TargetDemos', generatorName: 'smollm2-135m' };
  const counts = { kept: { a: 35, b: 35 }, rejectedByJudge: { a: 5, b: 7 }, shortfall: { a: 0, b: 0 } };
  expect(dataProductSummary(product, counts)).toBe('sib200 · cy · TargetDemos · smollm2-135m → kept 70, rejected 12');
  expect(dataProductSummary(product, { ...counts, shortfall: { a: 0, b: 3 } })).toBe('sib200 · cy · TargetDemos · smollm2-135m → kept 70, rejected 12, short 3');

  expect(sweepTitle('demo', { dataProducts: 2, cells: 6 })).toBe('demo · 2 data products, 6 cells');
  const stage = (done: number, total: number, running = 0, failed = 0) => ({ done, total, running, failed });
  expect(sweepProgressLine({ cells: stage(3, 6, 2, 1), dataProducts: stage(2, 2), run: 1 })).toBe(
    'cells 3/6 done, 1 failed, 2 running · data products 2/2 done · run 1',
  );
  expect(sweepSummary('demo', { cells: { total: 6, completed: 6, failed: 0 }, dataProducts: { total: 2, completed: 2 }, runs: 2 })).toBe(
    'demo → cells 6/6 completed, 0 failed · data products 2/2 · 2 runs',
  );
});
