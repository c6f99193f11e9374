/**
 * Translate-train in the config and the plan: translated products keyed by exactly their inputs,
 * the baselines' twins scored in the target language, the rules, and that a study D config plans
 * the same cells as before when it names no `translate`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { sha256Of } from '../../src/artifacts/store';
import { ConfigError, parseSweepConfig } from '../../src/config/load';
import { preflightSweepConfig } from '../../src/config/preflight';
import { repoRoot } from '../../src/infra/paths';
import { parseTemplateFile } from '../../src/stages/prompts';
import { planCounts, planSweep, type TranslatedProductSpec } from '../../src/config/plan';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

const studyD = {
  name: 'unit-tt',
  tasks: [{ dataset: 'sst5', description: 'movie reviews', evaluation: { dataset: 'sentiment', languages: ['de', 'sw'] } }],
  languages: ['en'],
  strategies: ['TaskOnly'],
  generators: [{ name: 'smollm2', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', concurrency: 2 } }],
  seeds: [1, 2],
  generation: { samplesPerLabel: 30 },
  selection: { perLabel: 10, withSource: true, sourcePerLabel: 10 },
  baselines: ['SRC', 'GEN', 'SRC+GEN'],
  training: { model: 'packaged:multilingual-e5-small' },
  goldBaseline: false,
};
const translate = { translator: 'smollm2', languages: ['sw'], inputs: ['source', 'generations'], promptSha256: SHA_A, sourcePerLabel: 5 };

function parsed(value: unknown) {
  return parseSweepConfig(value, 'unit.yaml');
}

function problemsOf(value: unknown): string {
  try {
    parsed(value);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

const translatedProducts = (config: unknown) => planSweep(parsed(config)).dataProducts.filter((product): product is TranslatedProductSpec => product.kind === 'translate');

describe('translate-train plan', () => {
  it('adds the translated source and generations per target and the baselines twins, after every cell planned before', () => {
    const before = planSweep(parsed(studyD));
    const after = planSweep(parsed({ ...studyD, translate }));
    expect(after.cells.slice(0, before.cells.length)).toEqual(before.cells);
    expect(after.dataProducts.slice(0, before.dataProducts.length)).toEqual(before.dataProducts);
    const products = translatedProducts({ ...studyD, translate });
    expect(products.map((product) => [product.from.kind, product.language, product.sourceLanguage, product.testDataset])).toEqual([
      ['source', 'sw', 'en', 'sentiment'],
      ['product', 'sw', 'en', 'sentiment'],
    ]);
    const [source, generations] = products as [TranslatedProductSpec, TranslatedProductSpec];
    expect(source.key).toMatch(/^sst5\.sw\.Translated\.src\.smollm2\.[0-9a-f]{10}$/);
    expect(generations.from).toEqual({ kind: 'product', productKey: before.dataProducts[0]?.key });
    const twins = after.cells.slice(before.cells.length);
    expect(twins.map((cell) => cell.key)).toEqual([
      'sst5.en.SRC-TT.smollm2→sw.s1',
      'sst5.en.SRC-TT.smollm2→sw.s2',
      'sst5.en.TaskOnly.smollm2.GEN-TT.smollm2→sw.s1',
      'sst5.en.TaskOnly.smollm2.GEN-TT.smollm2→sw.s2',
      'sst5.en.TaskOnly.smollm2.SRC+GEN-TT.smollm2→sw.s1',
      'sst5.en.TaskOnly.smollm2.SRC+GEN-TT.smollm2→sw.s2',
    ]);
    const [srcTt, , genTt, , both] = twins;
    expect(srcTt).toMatchObject({ dataProductKey: undefined, translatedSourceKey: source.key, evaluation: { dataset: 'sentiment', language: 'sw' }, trainingSet: { role: 'SRC-TT', source: true, synthetic: false } });
    expect(genTt).toMatchObject({ dataProductKey: generations.key, evaluation: { language: 'sw' }, trainingSet: { role: 'GEN-TT', source: false, synthetic: true } });
    expect(genTt?.translatedSourceKey).toBeUndefined();
    expect(both).toMatchObject({ dataProductKey: generations.key, translatedSourceKey: source.key, trainingSet: { role: 'SRC+GEN-TT', source: true, synthetic: true } });
    // Each twin trains on its own translated set: none shares a training run.
    expect(planCounts(after).studentTrainings - planCounts(before).studentTrainings).toBe(6);
    expect(parsed({ ...studyD, translate }).seeds.length * 3).toBe(twins.length);
  });

  it('keys a translated product by the prompt sha256, the translator identity and the target, not by the prompt path or the concurrency', () => {
    const [base] = translatedProducts({ ...studyD, translate });
    const keyWith = (overrides: Record<string, unknown>, generator: Record<string, unknown> = {}) =>
      translatedProducts({ ...studyD, generators: [{ ...studyD.generators[0], provider: { ...studyD.generators[0]?.provider, ...generator } }], translate: { ...translate, ...overrides } })[0]?.key;
    expect(keyWith({})).toBe(base?.key);
    expect(keyWith({ prompt: 'elsewhere/translate.v1.md' })).toBe(base?.key);
    expect(keyWith({}, { concurrency: 8 })).toBe(base?.key);
    expect(keyWith({ promptSha256: SHA_B })).not.toBe(base?.key);
    expect(keyWith({}, { model: '/models/other.gguf' })).not.toBe(base?.key);
    expect(keyWith({ textsPerRequest: 1 })).not.toBe(base?.key);
    expect(keyWith({ sourcePerLabel: 6 })).not.toBe(base?.key);
    expect(keyWith({ languages: ['de'] })).not.toBe(base?.key);
  });

  it('translates only into the languages a task is scored in', () => {
    const products = translatedProducts({ ...studyD, translate: { ...translate, languages: ['sw', 'de'] } });
    expect(products.map((product) => product.language)).toEqual(['sw', 'sw', 'de', 'de']);
  });

  it('refuses an unknown translator, a target nobody is scored in, a config without study D, and inputs that make no cell', () => {
    expect(problemsOf({ ...studyD, translate: { ...translate, translator: 'gpt' } })).toContain('translate.translator: unknown generator "gpt"; generators: smollm2');
    expect(problemsOf({ ...studyD, translate: { ...translate, languages: ['he'] } })).toContain('translate.languages.0: "he" is not an evaluation language of any task');
    expect(problemsOf({ ...studyD, translate: { ...translate, languages: ['xx'] } })).toContain('"xx" has no script in the language registry');
    const { baselines: _baselines, selection: _selection, tasks: _tasks, ...studyA } = studyD;
    expect(problemsOf({ ...studyA, tasks: [{ dataset: 'sst5' }], selection: { perLabel: 10 }, translate })).toContain('translate: translate-train makes twins of study D baselines');
    expect(problemsOf({ ...studyD, baselines: ['SRC'], translate: { ...translate, inputs: ['generations'] } })).toContain('translate.inputs: translating generations makes no cell with baselines SRC');
  });

  it('cannot plan before the pre-flight filled in the prompt sha256', () => {
    const { promptSha256: _sha, ...withoutSha } = translate;
    expect(() => planSweep(parsed({ ...studyD, translate: withoutSha }))).toThrow(/promptSha256: plan a config only after the pre-flight read its prompt file/);
  });
});

describe('translate-train pre-flight', () => {
  const write = (config: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), 'synthlab-tt-')), 'sweep.yaml');
    writeFileSync(file, stringify(config));
    return file;
  };
  const options = { parsePromptTemplate: parseTemplateFile, machineChecks: false };

  it("fills in the prompt file's sha256, also with --config-only, and refuses a config that pins another", async () => {
    const { promptSha256: _sha, ...unpinned } = translate;
    const loaded = await preflightSweepConfig(write({ ...studyD, translate: unpinned }), options);
    const expected = sha256Of(readFileSync(join(repoRoot, 'prompts/translate/translate.v1.md')).toString('utf8'));
    expect(loaded.config.translate?.promptSha256).toBe(expected);
    await expect(preflightSweepConfig(write({ ...studyD, translate: { ...translate, promptSha256: SHA_B } }), options)).rejects.toThrow(`the prompt file has sha256 ${expected}, the config pins ${SHA_B}`);
    await expect(preflightSweepConfig(write({ ...studyD, translate: { ...unpinned, prompt: 'prompts/translate/missing.v9.md' } }), options)).rejects.toThrow(/cannot read the translation prompt: ENOENT/);
  });
});
