/** Imports in the config and the plan: their rules, their keys (the file's sha256, never its path) and their cells in study A and D. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseSweepConfig } from '../../src/config/load';
import { planCounts, planSweep } from '../../src/config/plan';

const SHA = 'a'.repeat(64);
const imported = { name: 'released', task: 'sst5', language: 'en', path: '/data/released.csv', sha256: SHA };

const studyA = {
  name: 'unit-imports',
  tasks: [{ dataset: 'sst5' }],
  languages: ['en'],
  strategies: ['TargetDemos'],
  generators: [{ name: 'smollm2', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }],
  seeds: [1, 2],
  selection: { perLabel: 10 },
  training: { model: 'packaged:multilingual-e5-small' },
};

const studyD = {
  ...studyA,
  strategies: ['TaskOnly'],
  teacher: { training: { model: 'packaged:multilingual-e5-small', maxEpochs: 2 } },
  annotation: { annotators: ['prompt', 'teacher'] },
  selection: { perLabel: 10, methods: ['rand', 'top'], labels: ['prompt', 'teacher-soft'] },
  baselines: ['SRC', 'GEN'],
  goldBaseline: false,
};

function problemsOf(value: unknown): string {
  try {
    parseSweepConfig(value, 'unit.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

describe('imports in the config', () => {
  it('need one of the config tasks and languages, unique names and a known format', () => {
    expect(problemsOf({ ...studyA, imports: [{ ...imported, task: 'sib200' }] })).toMatch(/imports\.0\.task: "sib200" is not one of the config's tasks \(sst5\)/);
    expect(problemsOf({ ...studyA, imports: [{ ...imported, language: 'de' }] })).toMatch(/imports\.0\.language: "de" is not one of the config's languages \(en\)/);
    expect(problemsOf({ ...studyA, imports: [imported, imported] })).toMatch(/imports: names listed twice: released/);
    expect(problemsOf({ ...studyA, imports: [{ ...imported, format: 'xlsx' }] })).toMatch(/imports\.0\.format/);
  });
});

describe('imports in the plan', () => {
  it('study A: one product and a cell per seed, keyed by the sha256 and reading settings, not the path', () => {
    const without = planSweep(parseSweepConfig(studyA, 'unit.yaml'));
    const plan = planSweep(parseSweepConfig({ ...studyA, imports: [imported] }, 'unit.yaml'));
    // The generated products and cells are as without imports.
    expect(plan.dataProducts.slice(0, without.dataProducts.length)).toEqual(without.dataProducts);
    expect(plan.cells.filter((cell) => cell.strategy !== 'Imported')).toEqual(without.cells);
    const product = plan.dataProducts.find((candidate) => candidate.kind === 'import');
    expect(product?.key).toMatch(/^sst5\.en\.Imported\.released\.[0-9a-f]{10}$/);
    expect(plan.cells.filter((cell) => cell.dataProductKey === product?.key).map((cell) => cell.key)).toEqual(['sst5.en.Imported.released.s1', 'sst5.en.Imported.released.s2']);
    const keyOf = (overrides: object) => planSweep(parseSweepConfig({ ...studyA, imports: [{ ...imported, ...overrides }] }, 'unit.yaml')).dataProducts.find((candidate) => candidate.kind === 'import')?.key;
    expect(keyOf({ path: '/elsewhere/released.csv' })).toBe(product?.key);
    expect(keyOf({ sha256: 'b'.repeat(64) })).not.toBe(product?.key);
    expect(keyOf({ columns: { text: 'sentence' } })).not.toBe(product?.key);
  });

  it('refuses to plan an import whose file was not read (no sha256)', () => {
    const { sha256: _sha256, ...unread } = imported;
    expect(() => planSweep(parseSweepConfig({ ...studyA, imports: [unread] }, 'unit.yaml'))).toThrow(/import released has no sha256/);
  });

  it('study D: the teacher annotates the import too, and it gets every method × label kind and GEN cell', () => {
    const without = planSweep(parseSweepConfig(studyD, 'unit.yaml'));
    const plan = planSweep(parseSweepConfig({ ...studyD, imports: [imported] }, 'unit.yaml'));
    const product = plan.dataProducts.find((candidate) => candidate.kind === 'import');
    expect(product?.annotation?.teacherKey).toBe(plan.teachers[0]?.key);
    const cells = plan.cells.filter((cell) => cell.dataProductKey === product?.key);
    // (2 methods × 2 label kinds + GEN) × 2 seeds.
    expect(cells).toHaveLength(10);
    expect(cells.map((cell) => cell.key)).toContain('sst5.en.Imported.released.top.teacher-soft.s1');
    expect(plan.cells.length).toBe(without.cells.length + 10);
    expect(planCounts(plan).annotations).toBe(2);
  });
});
