/**
 * One experiment cell: select → fine-tune → evaluate, the last two as one GPU-queue activity.
 * A synthetic cell selects from its data product; a gold cell selects the same number of real
 * training examples.
 * Orchestration only.
 */
import { patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { FineTuneInput } from '../activities/contracts';
import type { ArtifactRef } from '../artifacts/ref';
import type { AnnotationRefs, CellOutcome, CellResult } from '../artifacts/results';
import { cellSpecHash, type CellSpec } from '../config/plan';
import type { DatasetSpec } from '../data/dataset-spec';
import { CellStatusKey, MacroF1Key, StageKey } from '../shared/search-attributes';
import { cellSummary, cellTitle, formatPoints } from '../shared/summaries';
import { cellLocalActivities, gpuActivitiesWith, llmActivities } from './policies';

/** The classifier prompts, versioned files: a new version is a new file, so recorded cells keep theirs. */
const CLASSIFY_PROMPTS = { 'zero-shot': 'prompts/classify/zero-shot.v1.md', 'in-context': 'prompts/classify/in-context.v1.md' } as const;

/** Study B: an LLM classifier cell asks the model for every test row's label and trains nothing. */
async function classifierCell(input: CellInput, classifier: NonNullable<CellSpec['classifier']>): Promise<CellOutcome> {
  const { sweepId, cell } = input;
  setStage('classify');
  const dataset = input.evaluationDataset ?? input.dataset;
  const classified = await llmActivities.classifyTestSet({
    cellKey: cell.key,
    dataRoot: input.dataRoot,
    dataset,
    language: cell.evaluation?.language ?? cell.language,
    classifier: {
      name: classifier.name,
      provider: classifier.provider,
      mode: classifier.mode,
      ...(classifier.examplesPerLabel === undefined ? {} : { examplesPerLabel: classifier.examplesPerLabel }),
      seed: classifier.seed,
      maxTokens: classifier.maxTokens,
      ...(classifier.testRows === undefined ? {} : { testRows: classifier.testRows }),
    },
    promptFile: CLASSIFY_PROMPTS[classifier.mode],
  });
  const shown = (classifier.examplesPerLabel ?? 0) * dataset.labels.length;
  const result: CellResult = {
    key: cell.key,
    kind: 'classifier',
    task: cell.task,
    language: cell.language,
    strategy: cell.strategy,
    generator: cell.generator,
    seed: cell.seed,
    trainSize: shown,
    accuracy: classified.accuracy,
    macroF1: classified.macroF1,
    metrics: classified.metrics,
    modelDir: '',
    bestEpoch: 0,
    resumedFromEpoch: null,
    trainings: 0,
    ...(cell.evaluation === undefined ? {} : { evaluation: { dataset: cell.evaluation.dataset, language: cell.evaluation.language } }),
    classifier: {
      name: classifier.name,
      mode: classifier.mode,
      ...(classifier.examplesPerLabel === undefined ? {} : { examplesPerLabel: classifier.examplesPerLabel }),
      n: classified.n,
      outOfLabel: classified.outOfLabel,
      outOfLabelRate: classified.outOfLabelRate,
      constraint: classified.constraint,
      requests: classified.requests,
      ...(classified.usage === undefined ? {} : { usage: classified.usage }),
    },
  };
  await cellLocalActivities.recordCellResult({ sweepId, specHash: cellSpecHash(cell), result });
  upsertSearchAttributes([
    { key: StageKey, value: 'done' },
    { key: CellStatusKey, value: 'completed' },
    { key: MacroF1Key, value: classified.macroF1 },
  ]);
  const summary = `${cellSummary(cell, classified.macroF1)}, outside labels ${formatPoints(classified.outOfLabelRate)}%`;
  setCurrentDetails(summary);
  return { key: cell.key, trainings: 0, macroF1: classified.macroF1, accuracy: classified.accuracy, trainSize: shown, labelSource: 'none', llmCalls: classified.llmCalls, summary };
}

export interface CellInput {
  sweepId: string;
  dataRoot: string;
  cell: CellSpec;
  dataset: DatasetSpec;
  /** The data product's dataset, for synthetic cells. */
  source: ArtifactRef | undefined;
  /** Study D: the data product's annotation artifacts. */
  annotation?: AnnotationRefs | undefined;
  /** Study D: the evaluation dataset's spec, when the cell is scored on another dataset or language. */
  evaluationDataset?: DatasetSpec | undefined;
  /** Translate-train: the translated source product's rows, which replace the source split (SRC-TT, SRC+GEN-TT). */
  translatedSource?: ArtifactRef | undefined;
}

/**
 * Cells started before this marker ran fine-tune and evaluate as two activities; their histories
 * replay through `fineTuneThenEvaluate`.
 */
const ONE_GPU_ACTIVITY_PATCH = 'cell-one-gpu-activity';

function setStage(stage: string): void {
  upsertSearchAttributes([{ key: StageKey, value: stage }]);
}

async function fineTuneThenEvaluate(gpuActivities: ReturnType<typeof gpuActivitiesWith>, training: FineTuneInput, test: ArtifactRef) {
  const trained = await gpuActivities.fineTune(training);
  setStage('evaluate');
  const evaluated = await gpuActivities.evaluateModel({
    runKey: trained.runKey,
    modelDir: trained.modelDir,
    trainResult: trained.trainResult,
    test,
    labels: training.labels,
    training: training.training,
  });
  return { trained, evaluated };
}

/**
 * Runs the cell and records its result in the sweep records (outside history); returns only what
 * the sweep counts, so the sweep's history stays small however many cells it has.
 */
/** The cell's training, dev and test sets: study A's select, or study D's from several sources. */
async function selectFor(input: CellInput): Promise<{ selected: { train: ArtifactRef; dev: ArtifactRef; test: ArtifactRef; labels: string[]; trainSize: number; shortfallByLabel?: Record<string, number> }; scoreLabels: string[] | undefined; trainingSetResult: CellResult['trainingSet'] }> {
  const { dataRoot, cell, dataset, source } = input;
  if (cell.trainingSet === undefined) {
    const selected = await cellLocalActivities.selectTrainingSet({
      dataRoot,
      dataset,
      language: cell.language,
      source,
      perLabel: cell.perLabel,
      // Study B's size axis only: a study A cell's input is as it was.
      ...(cell.size === undefined ? {} : { size: cell.size }),
      devPerLabel: cell.training.devPerLabel,
      seed: cell.seed,
    });
    return { selected, scoreLabels: undefined, trainingSetResult: undefined };
  }
  const { trainingSet } = cell;
  const selected = await cellLocalActivities.selectStudyTrainingSet({
    dataRoot,
    dataset,
    language: cell.language,
    product: source === undefined ? undefined : { dataset: source, ...(input.annotation ? { annotation: input.annotation } : {}) },
    ...(input.translatedSource === undefined ? {} : { translatedSource: input.translatedSource }),
    trainingSet: {
      role: trainingSet.role,
      method: trainingSet.method,
      labels: trainingSet.labels,
      synthetic: trainingSet.synthetic,
      source: trainingSet.source,
      ...(trainingSet.sourcePerLabel === undefined ? {} : { sourcePerLabel: trainingSet.sourcePerLabel }),
      clustersPerLabel: trainingSet.clustersPerLabel,
    },
    perLabel: cell.perLabel,
    devPerLabel: cell.training.devPerLabel,
    seed: cell.seed,
    ...(cell.evaluation !== undefined && input.evaluationDataset !== undefined ? { evaluation: { dataset: input.evaluationDataset, language: cell.evaluation.language } } : {}),
  });
  return {
    selected,
    scoreLabels: selected.scoreLabels,
    trainingSetResult: {
      role: trainingSet.role,
      method: trainingSet.method,
      labels: trainingSet.labels,
      syntheticSize: selected.syntheticSize,
      sourceSize: selected.sourceSize,
      ...(selected.diversity === undefined ? {} : { diversity: selected.diversity }),
      ...(selected.classBalance === undefined ? {} : { classBalance: selected.classBalance }),
      shortfallByLabel: selected.shortfallByLabel,
    },
  };
}

export async function cellWorkflow(input: CellInput): Promise<CellOutcome> {
  const { sweepId, cell } = input;
  const gpuActivities = gpuActivitiesWith(cell.training.heartbeatTimeoutSeconds);
  try {
    if (cell.classifier !== undefined) return await classifierCell(input, cell.classifier);
    setStage('select');
    const { selected, scoreLabels, trainingSetResult } = await selectFor(input);

    const training: FineTuneInput = {
      train: selected.train,
      dev: selected.dev,
      labels: selected.labels,
      seed: cell.seed,
      training: cell.training,
    };
    setStage('fine-tune');
    const { trained, evaluated } =
      cell.trainingSet !== undefined
        ? await gpuActivities.fineTuneAndEvaluate({ ...training, test: selected.test, ...(scoreLabels === undefined ? {} : { scoreLabels }) })
        : patched(ONE_GPU_ACTIVITY_PATCH)
          ? await gpuActivities.fineTuneAndEvaluate({ ...training, test: selected.test })
          : await fineTuneThenEvaluate(gpuActivities, training, selected.test);
    const result: CellResult = {
      key: cell.key,
      kind: cell.kind === 'classifier' ? 'synthetic' : cell.kind,
      task: cell.task,
      language: cell.language,
      strategy: cell.strategy,
      generator: cell.generator,
      seed: cell.seed,
      trainSize: selected.trainSize,
      accuracy: evaluated.accuracy,
      macroF1: evaluated.macroF1,
      metrics: evaluated.metrics,
      modelDir: trained.modelDir,
      bestEpoch: trained.bestEpoch,
      resumedFromEpoch: trained.resumedFromEpoch,
      trainings: trained.trainings,
      // Carried to the record only: what the cell cost stays out of the sweep's history.
      ...(trained.compute && evaluated.compute ? { compute: { train: trained.compute, predict: evaluated.compute } } : {}),
      ...(trainingSetResult === undefined ? {} : { trainingSet: trainingSetResult }),
      // Study C's regime axis (selection.regimes); cells that keep the default `standard` leave it out.
      ...(cell.trainingSet !== undefined && cell.training.regime !== 'standard' ? { regime: cell.training.regime } : {}),
      ...(cell.size === undefined ? {} : { size: { total: cell.size, repeat: cell.repeat ?? 0, shortfallByLabel: selected.shortfallByLabel ?? {} } }),
      ...(cell.evaluation === undefined && scoreLabels === undefined
        ? {}
        : { evaluation: { dataset: cell.evaluation?.dataset ?? cell.task, language: cell.evaluation?.language ?? cell.language, ...(scoreLabels === undefined ? {} : { scoredLabels: scoreLabels }) } }),
    };
    // The spec hash ties the record to exactly these inputs: a resumed sweep reuses it only for the same cell.
    await cellLocalActivities.recordCellResult({ sweepId, specHash: cellSpecHash(cell), result });
    // MacroF1 rides on the upsert the cell always made here, so it adds no command to the history.
    upsertSearchAttributes([
      { key: StageKey, value: 'done' },
      { key: CellStatusKey, value: 'completed' },
      { key: MacroF1Key, value: evaluated.macroF1 },
    ]);
    // The static summary the sweep set at start cannot hold the metric. The line with it is the
    // current details (the UI's metadata tab) and part of the result (`temporal workflow describe`
    // and the UI's result panel): neither adds a command to the history.
    const summary = cellSummary(cell, evaluated.macroF1);
    setCurrentDetails(summary);
    return {
      key: cell.key,
      trainings: trained.trainings,
      macroF1: evaluated.macroF1,
      accuracy: evaluated.accuracy,
      trainSize: selected.trainSize,
      labelSource: cell.kind === 'gold' ? 'gold' : cell.trainingSet !== undefined && cell.trainingSet.labels !== 'prompt' ? 'teacher' : 'prompt',
      summary,
    };
  } catch (error) {
    upsertSearchAttributes([{ key: CellStatusKey, value: 'failed' }]);
    setCurrentDetails(`${cellTitle(cell)} → failed`);
    throw error;
  }
}
