import { describe, expect, it } from 'vitest';
import { ConfigError, parseSweepConfig, resolveDatasets } from '../../src/config/load';
import { planSweep } from '../../src/config/plan';

const base = {
  name: 'unit',
  tasks: [{ dataset: 'sib200' }],
  languages: ['cy', 'he'],
  strategies: ['TargetDemos', 'TargetDemos+Revision'],
  generators: [{ name: 'local', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }],
  seeds: [1, 2, 3],
  generation: { samplesPerLabel: 10 },
  selection: { perLabel: 5 },
  training: { model: 'packaged:all-minilm-l6-v2' },
};

describe('sweep config', () => {
  it('applies the study defaults', () => {
    const config = parseSweepConfig(base, 'unit.yaml');
    expect(config.generation.sampling).toEqual({ temperature: 0.4, topP: 0.9, repetitionPenalty: 1.2, maxTokens: 512 });
    expect(config.training).toMatchObject({ lr: 1e-5, batchSize: 16, maxLength: 128, maxEpochs: 50, patience: 5 });
  });

  it('defaults to the measured training recipe, which a config can turn back into the paper recipe', () => {
    expect(parseSweepConfig(base, 'unit.yaml').training).toMatchObject({
      method: 'fine-tune',
      pooling: 'mean',
      headInit: 'linear-probe',
      freezeEmbeddings: true,
      headLr: null,
      probeC: null,
    });
    const paper = parseSweepConfig({ ...base, training: { model: 'xlm-roberta-base', pooling: 'cls', headInit: 'random', freezeEmbeddings: false } }, 'x');
    expect(paper.training).toMatchObject({ pooling: 'cls', headInit: 'random', freezeEmbeddings: false });
    expect(() => parseSweepConfig({ ...base, training: { model: 'm', method: 'svm' } }, 'x')).toThrow(/training.method/);
  });

  it('refuses trainer settings that cannot work together, naming the field', () => {
    expect(() => parseSweepConfig({ ...base, training: { model: 'm', method: 'linear-probe', pooling: 'cls' } }, 'x')).toThrow(/training.pooling.*mean-pooled/s);
    expect(() => parseSweepConfig({ ...base, training: { model: 'm', pooling: 'cls' } }, 'x')).toThrow(/training.headInit/);
    expect(parseSweepConfig({ ...base, training: { model: 'm', pooling: 'cls', headInit: 'random' } }, 'x').training.pooling).toBe('cls');
  });

  it('names an unknown strategy and lists the valid ones', () => {
    const error = (() => {
      try {
        parseSweepConfig({ ...base, strategies: ['TargetDemo'] }, 'bad.yaml');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('bad.yaml');
    expect((error as Error).message).toContain('strategies.0: unknown strategy "TargetDemo"');
    expect((error as Error).message).toContain('TargetDemos+SL+Revision');
  });

  it('rejects unknown fields, repeated seeds and a selection larger than the generation quota', () => {
    expect(() => parseSweepConfig({ ...base, seeds: [1, 1] }, 'x')).toThrow(/seeds: listed twice: 1/);
    expect(() => parseSweepConfig({ ...base, selection: { perLabel: 50 } }, 'x')).toThrow(/selection.perLabel: selects 50/);
    expect(() => parseSweepConfig({ ...base, sedes: [1] }, 'x')).toThrow(/sedes/);
    expect(() => parseSweepConfig({ ...base, generators: [{ name: 'x', provider: { kind: 'openai-compatible', baseURL: 'http://h/v1', model: 'm', apiKeyEnv: 'sk-abc def' } }] }, 'x')).toThrow(
      /apiKeyEnv/,
    );
  });
});

describe('history limits', () => {
  it('accepts the defaults and large windows that leave room under Temporal limits', () => {
    expect(() => parseSweepConfig(base, 'x')).not.toThrow();
    expect(() => parseSweepConfig({ ...base, concurrency: { cells: 2000, dataProducts: 64 } }, 'x')).not.toThrow();
  });

  it('rejects a limit whose drain of the windows could pass the history limit, naming the field', () => {
    expect(() => parseSweepConfig({ ...base, concurrency: { cells: 2000, dataProducts: 64 }, orchestration: { continueAsNewAfterEvents: 40_000 } }, 'x')).toThrow(
      /orchestration.continueAsNewAfterEvents: 40000 events plus the drain of 2064 children in flight .* could pass Temporal's limit of 51200 events/,
    );
    expect(() => parseSweepConfig({ ...base, concurrency: { cells: 6000, dataProducts: 4 }, orchestration: { continueAsNewAfterBytes: 30_000_000 } }, 'x')).toThrow(
      /orchestration.continueAsNewAfterBytes: 30000000 bytes plus the drain of 6004 children/,
    );
  });
});

describe('sweep plan', () => {
  it('shares one data product between all seeds and adds gold cells per language and seed', () => {
    const plan = planSweep(parseSweepConfig(base, 'x'));
    expect(plan.dataProducts).toHaveLength(2 * 2);
    expect(plan.cells).toHaveLength(2 * 2 * 3 + 2 * 3);
    const product = plan.dataProducts[0]!;
    expect(plan.cells.filter((cell) => cell.dataProductKey === product.key).map((cell) => cell.seed)).toEqual([1, 2, 3]);
    expect(plan.cells.filter((cell) => cell.kind === 'gold').every((cell) => cell.dataProductKey === undefined)).toBe(true);
    expect(new Set(plan.cells.map((cell) => cell.key)).size).toBe(plan.cells.length);
  });

  it('keys data products by what affects them only', () => {
    const keyOf = (overrides: object) => planSweep(parseSweepConfig({ ...base, ...overrides }, 'x')).dataProducts[0]!.key;
    const original = keyOf({});
    expect(keyOf({ seeds: [7] })).toBe(original);
    expect(keyOf({ training: { model: 'other', lr: 3e-5 } })).toBe(original);
    expect(keyOf({ generators: [{ name: 'local', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', concurrency: 4 } }] })).toBe(original);
    expect(keyOf({ generation: { samplesPerLabel: 20 } })).not.toBe(original);
    expect(keyOf({ generation: { samplesPerLabel: 10, sampling: { temperature: 0.7, topP: 0.9, repetitionPenalty: 1.2, maxTokens: 512 } } })).not.toBe(original);
  });

  it('is deterministic', () => {
    const config = parseSweepConfig(base, 'x');
    expect(planSweep(config)).toEqual(planSweep(config));
  });
});

describe('datasets in the config', () => {
  it('resolves built-in datasets, overrides and datasets defined in the config', () => {
    const config = parseSweepConfig(
      {
        ...base,
        languages: ['en'],
        tasks: [{ dataset: 'sib200' }, { dataset: 'my-reviews' }],
        datasets: {
          sib200: { files: { test: 'elsewhere/{flores}/test.tsv' } },
          'my-reviews': {
            task: 'review sentiment',
            labelKind: 'sentiment',
            format: 'csv',
            files: { train: 'reviews/{lang}-train.csv', test: 'reviews/{lang}-test.csv' },
            columns: { text: 'review', label: 'stars' },
            labels: ['bad', 'good'],
            languages: ['en'],
          },
        },
      },
      'x',
    );
    const datasets = resolveDatasets(config, 'x.yaml');
    expect(datasets.sib200?.files.test).toBe('elsewhere/{flores}/test.tsv');
    expect(datasets.sib200?.files.train).toBe('sib200/{flores}/train.tsv');
    expect(datasets['my-reviews']?.columns).toEqual({ text: 'review', label: 'stars' });
  });

  it('names an unknown dataset, a bad definition and a language without data', () => {
    expect(() => resolveDatasets(parseSweepConfig({ ...base, tasks: [{ dataset: 'nope' }] }, 'x'), 'x.yaml')).toThrow(/dataset "nope": unknown dataset.*massive10/);
    expect(() =>
      resolveDatasets(parseSweepConfig({ ...base, tasks: [{ dataset: 'custom' }], datasets: { custom: { format: 'xlsx' } } }, 'x'), 'x.yaml'),
    ).toThrow(/dataset "custom": Invalid dataset spec/);
    expect(() => resolveDatasets(parseSweepConfig({ ...base, tasks: [{ dataset: 'sentiment' }] }, 'x'), 'x.yaml')).toThrow(
      /no data for language "cy"/,
    );
  });
});
