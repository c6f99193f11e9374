/**
 * Select stage: a class-balanced, seeded training set of k per label — from the data product's
 * synthetic samples, or from the real training split for the gold baseline — plus a REAL held-out
 * dev split for early stopping (the dataset's dev split, else examples held out of the real
 * training split and never used for gold training) and the real test split.
 */
import { languagesForSplit, type DatasetSpec } from '../data/dataset-spec';
import { DataError, readSplit, type Example } from '../data/readers';
import { perLabelCounts } from '../config/sizes';
import { selectBalanced } from '../stages/select';
import { selectInputSchema, type SelectInput, type SelectOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { syntheticRowSchema, type TrainingRow } from './rows';

/** The dev split is the same for every cell of a task and language, whatever the cell's seed. */
const DEV_SELECTION_SEED = 20_251_124;

export function toTrainingRow(example: Example): TrainingRow {
  return { id: example.id, text: example.text, ...(example.textPair !== undefined ? { text_pair: example.textPair } : {}), label: example.label };
}

/** The real dev split (or examples held out of train when there is none) and the train rows left for gold training. */
export async function devAndGoldPool(spec: DatasetSpec, input: Pick<SelectInput, 'dataRoot' | 'language' | 'devPerLabel'>): Promise<{ dev: Example[]; goldPool: Example[] }> {
  const train = await readSplit(spec, { dataRoot: input.dataRoot, language: input.language, split: 'train' });
  const hasDev = languagesForSplit(spec, 'dev').includes(input.language);
  if (hasDev) {
    const devSplit = await readSplit(spec, { dataRoot: input.dataRoot, language: input.language, split: 'dev' });
    return { dev: selectBalanced(devSplit, { perLabel: input.devPerLabel, seed: DEV_SELECTION_SEED, labels: spec.labels }).selected, goldPool: train };
  }
  const dev = selectBalanced(train, { perLabel: input.devPerLabel, seed: DEV_SELECTION_SEED, labels: spec.labels }).selected;
  const devIds = new Set(dev.map((example) => example.id));
  return { dev, goldPool: train.filter((example) => !devIds.has(example.id)) };
}

/**
 * A class-balanced total (study B): each label's rows are a prefix of its seeded order, so the sets
 * of one seed are nested across sizes; a label with fewer rows than its share is a recorded shortfall.
 */
export function selectSize<T extends { id: string; label: string }>(pool: readonly T[], size: number, seed: number, labels: readonly string[]): { selected: T[]; shortfall: Record<string, number> } {
  const counts = perLabelCounts(size, labels, seed);
  const most = Math.max(...Object.values(counts));
  const { selected: drawn } = selectBalanced(pool, { perLabel: most, seed, labels });
  const selected: T[] = [];
  const shortfall: Record<string, number> = {};
  for (const label of labels) {
    const wanted = counts[label] ?? 0;
    const rows = drawn.filter((row) => row.label === label).slice(0, wanted);
    selected.push(...rows);
    shortfall[label] = wanted - rows.length;
  }
  return { selected, shortfall };
}

export function createSelectActivity(deps: ActivityDeps) {
  return async function selectTrainingSet(rawInput: SelectInput): Promise<SelectOutput> {
    const input = selectInputSchema.parse(rawInput);
    const spec = input.dataset;
    const { dev, goldPool } = await devAndGoldPool(spec, input);
    const test = await readSplit(spec, { dataRoot: input.dataRoot, language: input.language, split: 'test' });
    const pool: TrainingRow[] = input.source
      ? (await deps.store.readJsonl(input.source, syntheticRowSchema)).map(({ id, text, textPair, label }) => ({ id, text, ...(textPair === undefined ? {} : { text_pair: textPair }), label }))
      : goldPool.map(toTrainingRow);
    if (pool.length === 0) {
      // Say it here, where the cause is known, rather than let the trainer fail on an empty file.
      throw new DataError(
        input.source
          ? `the data product for ${spec.name}/${input.language} kept no samples (all were rejected or removed before selection): nothing to train on`
          : `${spec.name} has no training examples for ${input.language}`,
      );
    }
    const { selected, shortfall } = input.size === undefined ? selectBalanced(pool, { perLabel: input.perLabel, seed: input.seed, labels: spec.labels }) : selectSize(pool, input.size, input.seed, spec.labels);
    return {
      train: await deps.store.putJsonl(selected),
      dev: await deps.store.putJsonl(dev.map(toTrainingRow)),
      test: await deps.store.putJsonl(test.map(toTrainingRow)),
      labels: [...spec.labels],
      trainSize: selected.length,
      shortfallByLabel: shortfall,
    };
  };
}
