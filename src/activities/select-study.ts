/**
 * Study D's select stage: a cell's training set from several sources. Generations are chosen by
 * the cell's selection method (k per prompt label; src/stages/selection) from the data product's
 * rows and annotation artifacts, and labelled by the prompt, the teacher's argmax or the teacher's
 * probabilities (`soft_label`); the task's source data joins them for SRC, SRC+GEN and `withSource`
 * cells. Source rows are `part: gold`, generations `part: synthetic`. The dev split is the source
 * language's; the test split is the evaluation dataset's in the evaluation language, scored over
 * the shared labels when they are a subset of the task's. Records diversity and class balance of
 * the selected generations.
 */
import { readNpy } from '../artifacts/npy';
import type { ArtifactRef } from '../artifacts/ref';
import type { DatasetSpec } from '../data/dataset-spec';
import { DataError, readSplit, type Example } from '../data/readers';
import { selectBalanced } from '../stages/select';
import { classBalance, diversityScore, selectRows, type SelectionPool } from '../stages/selection';
import type { ActivityDeps } from './deps';
import { devAndGoldPool, toTrainingRow } from './select';
import { selectStudyInputSchema, selectStudyOutputSchema, type SelectStudyInput, type SelectStudyOutput } from './study-d-contracts';
import { annotatedRowSchema, mlRowOf, type StudyTrainingRow } from './study-d-rows';
import { z } from 'zod';

/** Source rows per label when the config takes all of them. */
const ALL_ROWS = 1_000_000_000;

const predictionLineSchema = z.looseObject({ probs: z.array(z.number()) });

/** The labels a test split is scored over: the evaluation dataset's, in the task's order, when they are fewer than the task's. */
export function sharedLabels(task: DatasetSpec, evaluation: DatasetSpec): string[] | undefined {
  const foreign = evaluation.labels.filter((label) => !task.labels.includes(label));
  if (foreign.length > 0) {
    throw new DataError(`the evaluation dataset ${evaluation.name} has labels the task ${task.name} does not (${foreign.join(', ')}): its labels must be the task's or a subset of them`);
  }
  const shared = task.labels.filter((label) => evaluation.labels.includes(label));
  return shared.length < task.labels.length ? shared : undefined;
}

function argmax(values: Float32Array, offset: number, count: number): number {
  let best = 0;
  for (let index = 1; index < count; index += 1) if ((values[offset + index] as number) > (values[offset + best] as number)) best = index;
  return best;
}

async function readNpyRef(deps: ActivityDeps, ref: ArtifactRef) {
  return readNpy(new Uint8Array(await deps.store.read(ref)));
}

interface Generations {
  rows: StudyTrainingRow[];
  shortfallByLabel: Record<string, number>;
  diversity: number | undefined;
  classBalance: { counts: number[]; entropyRatio: number } | undefined;
}

async function selectGenerations(deps: ActivityDeps, input: SelectStudyInput, labels: readonly string[]): Promise<Generations> {
  const product = input.product;
  if (product === undefined) throw new DataError('this cell trains on generations but was given no data product');
  const { trainingSet } = input;
  const rows = await deps.store.readJsonl(product.dataset, annotatedRowSchema);
  if (rows.length === 0) throw new DataError(`the data product for ${input.dataset.name}/${input.language} kept no samples (all were rejected or removed before selection): nothing to train on`);
  const labelCount = labels.length;
  const promptLabels = rows.map((row) => labels.indexOf(row.label));
  const annotation = product.annotation;
  const pool: SelectionPool = { ids: rows.map((row) => row.id), promptLabels, labels };
  if (annotation?.teacherPredictions !== undefined) {
    const predictions = await deps.store.readJsonl(annotation.teacherPredictions, predictionLineSchema);
    const best = new Float32Array(rows.length * labelCount);
    predictions.forEach((prediction, row) => best.set(prediction.probs, row * labelCount));
    pool.best = best;
  }
  if (annotation?.teacherProbabilities !== undefined) {
    const { shape, data } = await readNpyRef(deps, annotation.teacherProbabilities);
    const [epochs = 0, count, classes] = shape;
    if (count !== rows.length || classes !== labelCount) throw new DataError(`the teacher's probabilities have shape [${shape.join(', ')}], expected [E, ${rows.length}, ${labelCount}]`);
    pool.epochProbabilities = Array.from({ length: epochs }, (_, epoch) => data.subarray(epoch * rows.length * labelCount, (epoch + 1) * rows.length * labelCount));
  }
  let dimension: number | undefined;
  if (annotation !== undefined) {
    const { shape, data } = await readNpyRef(deps, annotation.embeddings);
    if (shape[0] !== rows.length) throw new DataError(`the embeddings have ${shape[0]} rows, the data product ${rows.length}`);
    dimension = shape[1];
    pool.embeddings = data;
    pool.dimension = dimension;
  }
  const selection = selectRows(pool, { method: trainingSet.method, perLabel: input.perLabel, seed: input.seed, clustersPerLabel: trainingSet.clustersPerLabel });
  const labelled = selection.indices.map((index): StudyTrainingRow => {
    const row = rows[index]!;
    const base = { ...mlRowOf(row), part: 'synthetic' as const };
    if (trainingSet.labels === 'prompt') return base;
    const best = pool.best;
    if (best === undefined) throw new DataError(`label kind ${trainingSet.labels} needs the teacher's predictions, and the data product has none`);
    const teacherLabel = labels[argmax(best, index * labelCount, labelCount)] as string;
    if (trainingSet.labels === 'teacher-hard') return { ...base, label: teacherLabel };
    return { ...base, label: teacherLabel, soft_label: Array.from(best.subarray(index * labelCount, (index + 1) * labelCount)) };
  });
  return {
    rows: labelled,
    shortfallByLabel: selection.shortfallByLabel,
    diversity: pool.embeddings !== undefined && dimension !== undefined ? diversityScore(pool.embeddings, dimension, selection.indices) : undefined,
    classBalance: classBalance(
      labelled.map((row) => labels.indexOf(row.label)),
      labelCount,
    ),
  };
}

const translatedRowSchema = annotatedRowSchema.extend({ origin: z.looseObject({ sourceRowId: z.string() }).optional() });

/**
 * The translated source rows as examples (translate-train), without the translations of the
 * source dev rows the cell stops early on: a dev split held out of train must stay out of it.
 */
async function translatedSourcePool(deps: ActivityDeps, ref: ArtifactRef, dev: readonly Example[]): Promise<Example[]> {
  const devIds = new Set(dev.map((example) => example.id));
  const rows = await deps.store.readJsonl(ref, translatedRowSchema);
  return rows
    .filter((row) => row.origin === undefined || !devIds.has(row.origin.sourceRowId))
    .map((row) => {
      const { text_pair: pair, ...training } = mlRowOf(row);
      return { ...training, ...(pair === undefined ? {} : { textPair: pair }) };
    });
}

export function createSelectStudyActivity(deps: ActivityDeps) {
  return async function selectStudyTrainingSet(rawInput: SelectStudyInput): Promise<SelectStudyOutput> {
    const input = selectStudyInputSchema.parse(rawInput);
    const spec = input.dataset;
    const labels = [...spec.labels];
    const { dev, goldPool } = await devAndGoldPool(spec, input);
    const sourcePool = input.translatedSource === undefined ? goldPool : await translatedSourcePool(deps, input.translatedSource, dev);
    const source: StudyTrainingRow[] = input.trainingSet.source
      ? selectBalanced(sourcePool, { perLabel: input.trainingSet.sourcePerLabel ?? ALL_ROWS, seed: input.seed, labels }).selected.map((example) => ({ ...toTrainingRow(example), part: 'gold' }))
      : [];
    const generations = input.trainingSet.synthetic ? await selectGenerations(deps, input, labels) : undefined;
    const train = [...source, ...(generations?.rows ?? [])];
    if (train.length === 0) throw new DataError(`the training set of this cell is empty (${spec.name}/${input.language})`);

    const evaluationSpec = input.evaluation?.dataset ?? spec;
    const evaluationLanguage = input.evaluation?.language ?? input.language;
    const scoreLabels = sharedLabels(spec, evaluationSpec);
    const test = await readSplit(evaluationSpec, { dataRoot: input.dataRoot, language: evaluationLanguage, split: 'test' });
    return selectStudyOutputSchema.parse({
      train: await deps.store.putJsonl(train),
      dev: await deps.store.putJsonl(dev.map(toTrainingRow)),
      test: await deps.store.putJsonl(test.map(toTrainingRow)),
      labels,
      ...(scoreLabels === undefined ? {} : { scoreLabels }),
      trainSize: train.length,
      syntheticSize: generations?.rows.length ?? 0,
      sourceSize: source.length,
      shortfallByLabel: generations?.shortfallByLabel ?? {},
      ...(generations?.diversity === undefined ? {} : { diversity: generations.diversity }),
      ...(generations?.classBalance === undefined ? {} : { classBalance: generations.classBalance }),
    });
  };
}
