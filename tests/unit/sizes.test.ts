import { describe, expect, it } from 'vitest';
import { selectSize } from '../../src/activities/select';
import { parseSweepConfig } from '../../src/config/load';
import { planSweep } from '../../src/config/plan';
import { batchSizeForSize, perLabelCounts } from '../../src/config/sizes';

const STUDY_B_BRACKETS = [
  { upTo: 20, batchSize: 4 },
  { upTo: 50, batchSize: 8 },
  { upTo: 100, batchSize: 12 },
  { upTo: 150, batchSize: 16 },
  { upTo: 250, batchSize: 32 },
];

describe('batch size by size bracket', () => {
  it('takes the first bracket that holds the size, the default above the last', () => {
    expect([10, 20, 21, 50, 100, 101, 150, 250, 251, 2000].map((size) => batchSizeForSize(size, STUDY_B_BRACKETS, 64))).toEqual([4, 4, 8, 8, 12, 16, 16, 32, 64, 64]);
  });
});

describe('class-balanced totals', () => {
  const labels = ['a', 'b', 'c'];
  it('splits a total evenly, the remainder to seeded labels, and never fewer than 2 per class', () => {
    const counts = perLabelCounts(10, labels, 1);
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(10);
    expect(Object.values(counts).sort()).toEqual([3, 3, 4]);
    expect(perLabelCounts(4, labels, 1)).toEqual({ a: 2, b: 2, c: 2 });
  });
  it('nests: a larger size never gives a label fewer rows, and selects a superset', () => {
    const pool = Array.from({ length: 90 }, (_, index) => ({ id: `r${String(index).padStart(2, '0')}`, label: labels[index % 3] as string }));
    let previous = new Set<string>();
    for (const size of [6, 7, 10, 20, 30, 45]) {
      const { selected, shortfall } = selectSize(pool, size, 5, labels);
      expect(selected).toHaveLength(size);
      expect(Object.values(shortfall).every((missing) => missing === 0)).toBe(true);
      const ids = new Set(selected.map((row) => row.id));
      for (const id of previous) expect(ids.has(id), `${id} of the smaller set is in size ${size}`).toBe(true);
      previous = ids;
    }
  });
  it('records a shortfall when a class has fewer rows than its share', () => {
    const pool = [...Array.from({ length: 10 }, (_, index) => ({ id: `a${index}`, label: 'a' })), { id: 'b0', label: 'b' }, ...Array.from({ length: 10 }, (_, index) => ({ id: `c${index}`, label: 'c' }))];
    const { selected, shortfall } = selectSize(pool, 12, 1, labels);
    expect(shortfall).toEqual({ a: 0, b: 3, c: 0 });
    expect(selected).toHaveLength(9);
  });
});

describe('the size axis in the plan', () => {
  const base = {
    name: 'sizes',
    tasks: [{ dataset: 'sib200' }],
    languages: ['cy'],
    strategies: ['TargetDemos'],
    generators: [{ name: 'smol', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }],
    seeds: [0],
    selection: { perLabel: 3 },
    training: { model: 'packaged:multilingual-e5-small', batchSize: 64 },
  };
  it('plans sizes × repeats for synthetic and gold with the bracket batch size; without sizes as before', () => {
    const without = planSweep(parseSweepConfig(base, 'test'));
    expect(without.cells.map((cell) => cell.key)).toEqual(['sib200.cy.TargetDemos.smol.s0', 'sib200.cy.gold.s0']);
    expect(without.cells.every((cell) => cell.size === undefined && !('batchSizeBySize' in cell.training))).toBe(true);
    const plan = planSweep(
      parseSweepConfig({ ...base, selection: { perLabel: 3, sizes: [14, 100], repeats: 2 }, training: { ...base.training, batchSizeBySize: STUDY_B_BRACKETS } }, 'test'),
    );
    expect(plan.cells.map((cell) => [cell.key, cell.seed, cell.training.batchSize])).toEqual([
      ['sib200.cy.TargetDemos.smol.n14.r0.s0', 0, 4],
      ['sib200.cy.TargetDemos.smol.n14.r1.s0', 1, 4],
      ['sib200.cy.TargetDemos.smol.n100.r0.s0', 0, 12],
      ['sib200.cy.TargetDemos.smol.n100.r1.s0', 1, 12],
      ['sib200.cy.gold.n14.r0.s0', 0, 4],
      ['sib200.cy.gold.n14.r1.s0', 1, 4],
      ['sib200.cy.gold.n100.r0.s0', 0, 12],
      ['sib200.cy.gold.n100.r1.s0', 1, 12],
    ]);
    expect(plan.dataProducts).toHaveLength(1);
    expect(plan.cells.every((cell) => !('batchSizeBySize' in cell.training))).toBe(true);
  });
  it('refuses sizes that do not increase, repeats without sizes, and seeds closer than the repeats', () => {
    const bad = (selection: Record<string, unknown>, seeds = [0]) => () => parseSweepConfig({ ...base, seeds, selection: { perLabel: 3, ...selection } }, 'test');
    expect(bad({ sizes: [20, 10] })).toThrow(/must increase strictly/);
    expect(bad({ repeats: 3 })).toThrow(/set selection.sizes too/);
    expect(bad({ sizes: [10], repeats: 3 }, [0, 2])).toThrow(/at least 3 apart \(0 and 2 are not\)/);
  });
});
