/**
 * Study D's config and plan: the settings and their rules, the cells and their keys, the teachers
 * shared by every product that names them, and (pinned) that study A configs plan exactly what
 * they planned before study D existed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectDatasets, ConfigError, parseSweepConfig, readSweepConfig } from '../../src/config/load';
import { cellSpecHash, planCounts, planSweep } from '../../src/config/plan';
import { repoRoot } from '../../src/infra/paths';

interface Pinned {
  file: string;
  dataProducts: string[];
  cells: [string, string | null, string][];
}

/** Computed on main (commit 9143714) before study D: keys, data-product keys and cell spec hashes. */
const pinned = readFileSync(join(repoRoot, 'tests/fixtures/study-a-plan-pins.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Pinned);

const studyD = {
  name: 'unit-d',
  tasks: [{ dataset: 'sst5', description: 'movie reviews', evaluation: { dataset: 'sentiment', languages: ['de', 'sw'] } }],
  languages: ['en'],
  strategies: ['TaskOnly'],
  generators: [{ name: 'smollm2', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }],
  seeds: [1, 2],
  generation: { samplesPerLabel: 30 },
  teacher: { training: { model: 'packaged:multilingual-e5-small', maxEpochs: 2 }, perLabel: 10 },
  annotation: { annotators: ['prompt', 'teacher'] },
  selection: { perLabel: 10, methods: ['rand', 'top', 'div', 'easy', 'amb'], labels: ['prompt', 'teacher-hard', 'teacher-soft'], withSource: true },
  baselines: ['SRC', 'GEN', 'SRC+GEN'],
  training: { model: 'packaged:multilingual-e5-small' },
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

describe('study A plans are unchanged by study D', () => {
  for (const expected of pinned) {
    it(`${expected.file}: the same cells, keys, data-product keys and spec hashes as on main`, async () => {
      const read = await readSweepConfig(join(repoRoot, expected.file));
      expect(read.problems).toEqual([]);
      const plan = planSweep(read.config!);
      expect(plan.dataProducts.map((product) => product.key)).toEqual(expected.dataProducts);
      expect(plan.cells.map((cell) => [cell.key, cell.dataProductKey ?? null, cellSpecHash(cell)])).toEqual(expected.cells);
      expect(plan.teachers).toEqual([]);
    });
  }
});

describe('study D config', () => {
  it('parses the paper-shaped grid', () => {
    expect(problemsOf(studyD)).toBe('');
  });

  it('names an unknown selection method and lists the valid ones', () => {
    const message = problemsOf({ ...studyD, selection: { ...studyD.selection, methods: ['topp'] } });
    expect(message).toMatch(/selection\.methods\.0: unknown selection method "topp"; valid selection methods: rand, top, div, easy, amb/);
    // Added to the five valid ones, the misspelling is still what is named (not "too many methods"), and a repeat is refused once.
    expect(problemsOf({ ...studyD, selection: { ...studyD.selection, methods: ['rand', 'top', 'div', 'easy', 'amb', 'topp'] } })).toMatch(/selection\.methods\.5: unknown selection method "topp"/);
    expect(problemsOf({ ...studyD, selection: { ...studyD.selection, methods: ['top', 'rand', 'top'] } }).match(/listed twice: top/g)).toHaveLength(1);
  });

  it('needs a teacher for the methods and label kinds that read one, and the teacher among the annotators', () => {
    const { teacher: _teacher, annotation: _annotation, ...withoutTeacher } = studyD;
    const message = problemsOf(withoutTeacher);
    expect(message).toMatch(/teacher: selection method "top", selection method "easy", selection method "amb", label kind "teacher-hard", label kind "teacher-soft" need a teacher/);
    expect(problemsOf({ ...studyD, annotation: { annotators: ['prompt'] } })).toMatch(/annotation\.annotators: a teacher is configured: annotation\.annotators must include "teacher"/);
    // rand and div with the prompt's labels need no teacher.
    expect(problemsOf({ ...withoutTeacher, selection: { perLabel: 10, methods: ['rand', 'div'] } })).toBe('');
  });

  it('refuses a method listed twice and an unknown baseline', () => {
    expect(problemsOf({ ...studyD, selection: { ...studyD.selection, methods: ['top', 'top'] } })).toMatch(/selection\.methods: listed twice: top/);
    expect(problemsOf({ ...studyD, baselines: ['SRC', 'GOLD'] })).toMatch(/unknown baseline "GOLD"; valid baselines: SRC, GEN, SRC\+GEN/);
  });
});

describe('study D evaluation datasets', () => {
  const datasetProblems = (evaluation: { dataset: string; languages: string[] }) =>
    collectDatasets({ tasks: [{ dataset: 'sst5', evaluation }], datasets: {}, languages: ['en'], allowPathsOutsideDataRoot: undefined }).problems.map((problem) => `${problem.field}: ${problem.message}`);

  it('accepts a target whose labels are a subset of the task\'s, in languages that have a test split', () => {
    expect(datasetProblems({ dataset: 'sentiment', languages: ['de', 'sw', 'sl'] })).toEqual([]);
  });

  it('names a language without a test split and labels the task does not have', () => {
    expect(datasetProblems({ dataset: 'sentiment', languages: ['de', 'cy'] })).toEqual([
      'tasks.0.evaluation.languages: dataset "sentiment" has no test split for "cy" (it has one for: az, de, en, he, id, ro, sl, sw, te, th)',
    ]);
    expect(datasetProblems({ dataset: 'xnli', languages: ['hi'] })).toEqual([
      'tasks.0.evaluation.dataset: dataset "xnli" has labels the task "sst5" does not (entailment, contradiction); an evaluation dataset\'s labels must be the task\'s labels or a subset of them (task labels: negative, neutral, positive)',
    ]);
  });
});

describe('study D plan', () => {
  const plan = planSweep(parseSweepConfig(studyD, 'unit.yaml'));

  it('plans one teacher, shared by the data product, keyed by exactly its inputs', () => {
    expect(plan.teachers).toHaveLength(1);
    const [teacher] = plan.teachers;
    expect(teacher?.key).toMatch(/^sst5\.en\.teacher\.[0-9a-f]{10}$/);
    expect(plan.dataProducts).toHaveLength(1);
    expect(plan.dataProducts[0]?.annotation).toMatchObject({ teacherKey: teacher?.key, checkpoints: 'every-epoch', annotators: ['prompt', 'teacher'] });
    const otherSeed = planSweep(parseSweepConfig({ ...studyD, teacher: { ...studyD.teacher, seed: 7 } }, 'unit.yaml'));
    expect(otherSeed.teachers[0]?.key).not.toBe(teacher?.key);
    expect(otherSeed.dataProducts[0]?.key).not.toBe(plan.dataProducts[0]?.key);
    // Settings downstream of the teacher (the students' training) leave teacher and product keys alone.
    const otherStudents = planSweep(parseSweepConfig({ ...studyD, training: { model: 'packaged:multilingual-e5-small', lr: 0.001 } }, 'unit.yaml'));
    expect(otherStudents.teachers[0]?.key).toBe(teacher?.key);
    expect(otherStudents.dataProducts[0]?.key).toBe(plan.dataProducts[0]?.key);
  });

  it('plans methods × label kinds and the baselines, per evaluation language and seed, with readable keys', () => {
    // (5 × 3 method cells + GEN + SRC+GEN) per (language, seed) and SRC per (language, seed).
    expect(plan.cells).toHaveLength((15 + 2 + 1) * 2 * 2);
    const keys = plan.cells.map((cell) => cell.key);
    expect(keys).toContain('sst5.en.TaskOnly.smollm2.top.teacher-soft→de.s1');
    expect(keys).toContain('sst5.en.TaskOnly.smollm2.GEN→sw.s2');
    expect(keys).toContain('sst5.en.TaskOnly.smollm2.SRC+GEN→de.s1');
    expect(keys).toContain('sst5.en.SRC→sw.s1');
    expect(new Set(keys).size).toBe(keys.length);
    const src = plan.cells.find((cell) => cell.key === 'sst5.en.SRC→de.s1');
    expect(src).toMatchObject({ kind: 'gold', dataProductKey: undefined, trainingSet: { role: 'SRC', synthetic: false, source: true }, evaluation: { dataset: 'sentiment', language: 'de' } });
    const gen = plan.cells.find((cell) => cell.key === 'sst5.en.TaskOnly.smollm2.GEN→de.s1');
    expect(gen?.trainingSet).toMatchObject({ role: 'GEN', method: 'rand', labels: 'prompt', synthetic: true, source: false });
    const method = plan.cells.find((cell) => cell.key === 'sst5.en.TaskOnly.smollm2.amb.teacher-hard→de.s1');
    expect(method?.trainingSet).toMatchObject({ role: 'method', method: 'amb', labels: 'teacher-hard', synthetic: true, source: true });
  });

  it('counts what runs: cells that differ only in evaluation language share one student training', () => {
    expect(planCounts(plan)).toEqual({ teachers: 1, annotations: 1, selections: 72, studentTrainings: 36, classifierCells: 0 });
  });

  it('asks the teacher for per-epoch predictions only when a cartography method needs them', () => {
    const topOnly = planSweep(parseSweepConfig({ ...studyD, selection: { ...studyD.selection, methods: ['top'] } }, 'unit.yaml'));
    expect(topOnly.dataProducts[0]?.annotation?.checkpoints).toBe('best');
  });
});
