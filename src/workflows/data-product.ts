/**
 * One shared data product: generate → revise → dedupe → annotate. Runs once per (task, language,
 * strategy, generator, generation settings); every cell that only differs in seed or downstream
 * settings reuses its result. Orchestration only: all I/O is in activities.
 *
 * The quota (`samplesPerLabel`) counts KEPT samples: accepted by the judge, unique, no leak. The
 * product generates, judges and dedupes in rounds until every label has its quota or has used its
 * request cap (`maxRequestsPerLabel`, over all rounds), and records the shortfall. Each round's
 * activities return artifact refs and counts; the rows stay in artifacts, so the history grows by
 * a few events per round, and a worker crash costs at most the activity in flight.
 * Products recorded before the rounds (the `data-product-kept-quota` marker) replay through the
 * single pass they ran, whose quota counted unique samples before revision.
 */
import { ApplicationFailure, patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { GenerateInput, GenerateOutput, KeepSamplesOutput } from '../activities/contracts';
import type { LlmAnnotationSummary } from '../activities/study-c-contracts';
import type { ArtifactRef } from '../artifacts/ref';
import type { AnnotationRefs, DataProductCounts, DataProductOutcome, DataProductResult, DataProductUsage, TeacherOutcome } from '../artifacts/results';
import type { DataProductSpec, GeneratedProductSpec, ImportedProductSpec, TranslatedProductSpec } from '../config/plan';
import type { RevisionSettings, TrainingSettings } from '../config/schema';
import { generationPromptFile } from '../config/strategies';
import { productGeneratorName } from '../config/plan';
import type { DatasetSpec } from '../data/dataset-spec';
import { CellStatusKey, StageKey } from '../shared/search-attributes';
import { dataProductSummary, dataProductTitle } from '../shared/summaries';
import { addLlmUsage, type LlmUsage } from '../shared/usage';
import { annotationActivitiesWith, dataActivities, llmActivities, recordActivities } from './policies';
import { nextRoundTargets, shortfallOf, type QuotaState } from './quota';

export interface DataProductInput {
  sweepId: string;
  dataRoot: string;
  dataset: DatasetSpec;
  product: DataProductSpec;
  /** Study D: the trained teacher that annotates this product, and its settings. */
  teacher?: { outcome: TeacherOutcome; training: TrainingSettings };
  /** Translate-train: the finished product whose kept rows a translated product translates. */
  sourceProduct?: { key: string; dataset: ArtifactRef };
  /** Translate-train: the dataset whose test split in the target language the translations are deduped against. */
  testDataset?: DatasetSpec;
}

/** How long the annotate stage's GPU activity may go without a heartbeat when no teacher sets it. */
const ANNOTATE_HEARTBEAT_SECONDS = 600;

const KEPT_QUOTA_PATCH = 'data-product-kept-quota';

function setStage(stage: string): void {
  upsertSearchAttributes([{ key: StageKey, value: stage }]);
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** What generation, revision and dedupe made, before annotation. */
interface Made {
  /** JSONL of the kept samples. */
  kept: ArtifactRef;
  /** Absent for an imported product. */
  requests: ArtifactRef | undefined;
  rejects: ArtifactRef | undefined;
  /** `kept` where it counts every label, zeros included (the single pass takes annotation's count). */
  counts: Omit<DataProductCounts, 'kept'> & Partial<Pick<DataProductCounts, 'kept'>>;
  rounds: number | undefined;
  llmCalls: number;
  /** Generation's and revision's (or translation's) usage over all rounds; undefined when an activity's result was recorded before usage was counted. */
  usage: Omit<DataProductUsage, 'summarizeLabels'> | undefined;
  /** The label summaries' usage, when the product has them (undefined when recorded before usage was counted). */
  summarizeUsage?: DataProductUsage['summarizeLabels'];
}

interface Context {
  input: DataProductInput & { product: GeneratedProductSpec };
  generateInput: GenerateInput;
  labelDescriptions: ArtifactRef | undefined;
  title: string;
}

function reviseInput({ input, labelDescriptions }: Context, revision: RevisionSettings, candidates: ArtifactRef) {
  const { product, dataset } = input;
  return {
    productKey: product.key,
    dataset,
    taskDescription: product.taskDescription,
    language: product.language,
    candidates,
    generator: product.generator,
    revision,
    labelDescriptions,
  };
}

/** Before the rounds: one generation up to the quota of unique candidates, one revision, one dedupe. */
async function generateJudgeDedupeOnce(context: Context): Promise<Made> {
  const { input } = context;
  const { product, dataset, dataRoot } = input;
  setStage('generate');
  const generated = await llmActivities.generateSamples(context.generateInput);
  let samples = generated.candidates;
  let rejects: ArtifactRef | undefined;
  let rejectedByJudge: Record<string, number> = {};
  let llmCalls = generated.llmCalls;
  let reviseUsage: LlmUsage | undefined;
  if (product.revision) {
    setStage('revise');
    const revised = await llmActivities.reviseSamples(reviseInput(context, product.revision, generated.candidates));
    samples = revised.accepted;
    rejects = revised.rejects;
    rejectedByJudge = revised.rejectedByLabel;
    llmCalls += revised.llmCalls;
    reviseUsage = revised.usage && addLlmUsage(revised.usage);
  }

  setStage('dedupe');
  const deduped = await dataActivities.dedupeSamples({ dataRoot, dataset, language: product.language, samples, demos: generated.demos });
  return {
    kept: deduped.kept,
    requests: generated.requests,
    rejects,
    counts: {
      requested: generated.requestsByLabel,
      parsed: generated.parsedByLabel,
      unique: generated.uniqueByLabel,
      rejectedByJudge,
      removedAsDuplicates: deduped.removedByLabel,
      // The single pass's quota counted unique candidates, so its shortfall is the generation's.
      shortfall: generated.shortfallByLabel,
    },
    rounds: undefined,
    llmCalls,
    usage: generated.usage && (!product.revision || reviseUsage) ? { generate: addLlmUsage(generated.usage), ...(reviseUsage ? { revise: reviseUsage } : {}) } : undefined,
  };
}

interface Round {
  number: number;
  generated: GenerateOutput;
  kept: KeepSamplesOutput;
  /** Whether the round's generation made any request: a round that made none cannot make progress. */
  madeRequests: boolean;
}

/** Generates, judges and dedupes in rounds until each label's quota of kept samples is met or its request cap is used. */
async function generateJudgeDedupeUntilKept(context: Context): Promise<Made> {
  const { input, title } = context;
  const { product, dataset, dataRoot } = input;
  const quota = product.generation.samplesPerLabel;
  const quotaState = (round: Round | undefined): QuotaState => ({
    labels: dataset.labels,
    quota,
    maxRequestsPerLabel: product.generation.maxRequestsPerLabel,
    keptByLabel: round?.kept.keptByLabel ?? {},
    uniqueByLabel: round?.generated.uniqueByLabel ?? {},
    requestsByLabel: round?.generated.requestsByLabel ?? {},
  });
  let llmCalls = 0;
  let generateUsage = addLlmUsage();
  let reviseUsage = addLlmUsage();
  let usageMissing = false;

  const runRound = async (previous: Round | undefined, targets: Record<string, number>): Promise<Round> => {
    const number = (previous?.number ?? 0) + 1;
    const wanted = quota * dataset.labels.length;
    setCurrentDetails(`${title} · round ${number}: kept ${total(previous?.kept.keptByLabel ?? {})} of ${wanted}`);
    setStage('generate');
    const generated = await llmActivities.generateSamples({ ...context.generateInput, previous: previous?.generated.state, uniqueTargetByLabel: targets });
    llmCalls += generated.llmCalls;
    generateUsage = addLlmUsage(generateUsage, generated.usage);
    usageMissing ||= generated.usage === undefined;
    let samples = generated.candidates;
    let rejects: ArtifactRef | undefined;
    if (product.revision) {
      setStage('revise');
      const revised = await llmActivities.reviseSamples(reviseInput(context, product.revision, generated.candidates));
      samples = revised.accepted;
      rejects = revised.rejects;
      llmCalls += revised.llmCalls;
      reviseUsage = addLlmUsage(reviseUsage, revised.usage);
      usageMissing ||= revised.usage === undefined;
    }
    setStage('dedupe');
    const kept = await dataActivities.keepSamples({
      dataRoot,
      dataset,
      language: product.language,
      samples,
      rejects,
      demos: generated.demos,
      quotaPerLabel: quota,
      previous: previous?.kept.ledger,
      ...(context.generateInput.unlabelled === true ? { unlabelled: true as const } : {}),
    });
    const madeRequests = total(generated.requestsByLabel) > total(previous?.generated.requestsByLabel ?? {});
    return { number, generated, kept, madeRequests };
  };

  let round = await runRound(undefined, Object.fromEntries(dataset.labels.map((label) => [label, quota])));
  for (;;) {
    const targets = nextRoundTargets(quotaState(round));
    if (targets === undefined || !round.madeRequests) break;
    round = await runRound(round, targets);
  }
  const { generated, kept } = round;
  return {
    kept: kept.ledger.kept,
    requests: generated.requests,
    rejects: product.revision ? kept.ledger.rejects : undefined,
    counts: {
      requested: generated.requestsByLabel,
      parsed: generated.parsedByLabel,
      unique: generated.uniqueByLabel,
      rejectedByJudge: kept.rejectedByJudgeByLabel,
      removedAsDuplicates: kept.removedAsDuplicatesByLabel,
      overQuota: kept.overQuotaByLabel,
      kept: kept.keptByLabel,
      shortfall: shortfallOf(quotaState(round)),
    },
    rounds: round.number,
    llmCalls,
    usage: usageMissing ? undefined : { generate: generateUsage, ...(product.revision ? { revise: reviseUsage } : {}) },
  };
}

/** Products started before this marker left `CellStatus` at `running` when they failed, and never set `completed`. */
const STATUS_PATCH = 'data-product-status';

export async function dataProductWorkflow(input: DataProductInput): Promise<DataProductOutcome> {
  try {
    return await makeDataProduct(input);
  } catch (error) {
    if (patched(STATUS_PATCH)) upsertSearchAttributes([{ key: CellStatusKey, value: 'failed' }]);
    throw error;
  }
}

async function makeDataProduct(input: DataProductInput): Promise<DataProductOutcome> {
  const { product } = input;
  const made =
    product.kind === 'import' ? await importRows({ ...input, product }) : product.kind === 'translate' ? await translateRows({ ...input, product }) : await generateRows({ ...input, product });
  return annotateAndRecord(input, made);
}

/** A translated product (translate-train): the translator's rows instead of generation, then dedupe against the target's test split. */
async function translateRows(input: DataProductInput & { product: TranslatedProductSpec }): Promise<Made & { labelDescriptions: undefined; translated: TranslatedSummary }> {
  const { product, dataset, dataRoot } = input;
  setCurrentDetails(`${dataProductTitle({ task: product.task, language: product.language, strategy: product.strategy, generatorName: product.generatorName })} · translating from ${product.sourceLanguage}`);
  setStage('translate');
  let from;
  if (product.from.kind === 'source') {
    from = { kind: 'source' as const, split: product.from.split, seed: product.from.seed, ...(product.from.perLabel === undefined ? {} : { perLabel: product.from.perLabel }) };
  } else {
    if (input.sourceProduct?.key !== product.from.productKey) {
      throw ApplicationFailure.create({ type: 'ConfigError', nonRetryable: true, message: `translated product ${product.key} translates ${product.from.productKey}, and the sweep passed ${input.sourceProduct?.key ?? 'none'}` });
    }
    from = { kind: 'product' as const, productKey: product.from.productKey, dataset: input.sourceProduct.dataset };
  }
  const translated = await llmActivities.translateRows({
    productKey: product.key,
    dataRoot,
    dataset,
    sourceLanguage: product.sourceLanguage,
    targetLanguage: product.language,
    from,
    translator: product.translator,
    translation: product.translation,
  });
  setStage('dedupe');
  const deduped = await dataActivities.dedupeSamples({ dataRoot, dataset: input.testDataset ?? dataset, language: product.language, samples: translated.candidates, demos: translated.demos });
  const zero = { requests: 0, promptTokens: 0, completionTokens: 0, backendSeconds: 0 };
  return {
    kept: deduped.kept,
    requests: translated.requests,
    rejects: undefined,
    counts: { requested: {}, parsed: translated.translatedByLabel, unique: translated.translatedByLabel, rejectedByJudge: {}, removedAsDuplicates: deduped.removedByLabel, shortfall: {} },
    rounds: undefined,
    llmCalls: translated.llmCalls,
    usage: { generate: zero, translate: translated.usage },
    labelDescriptions: undefined,
    translated: {
      from: product.from.kind === 'source' ? `${product.task}/${product.sourceLanguage}/${product.from.split}` : product.from.productKey,
      sourceLanguage: product.sourceLanguage,
      translator: product.generatorName,
      promptSha256: product.translation.promptSha256,
      sourceRows: translated.sourceRows,
      sourceRowsSha256: translated.sourceRowsSha256,
      droppedByReason: translated.droppedByReason,
      dropped: translated.dropped,
    },
  };
}

type TranslatedSummary = NonNullable<DataProductResult['translated']>;

/** An imported product: the file's rows (pinned by its sha256) instead of generation, then the same dedupe. */
async function importRows(input: DataProductInput & { product: ImportedProductSpec }): Promise<Made & { labelDescriptions: undefined; imported: ImportedSummary }> {
  const { product, dataset, dataRoot } = input;
  setCurrentDetails(`${dataProductTitle({ task: product.task, language: product.language, strategy: product.strategy, generatorName: product.generatorName })} · importing ${product.imported.name}`);
  setStage('import');
  const imported = await dataActivities.importSamples({
    productKey: product.key,
    source: product.imported,
    labels: [...dataset.labels],
    pairs: dataset.columns.textPair !== undefined,
  });
  setStage('dedupe');
  const deduped = await dataActivities.dedupeSamples({ dataRoot, dataset, language: product.language, samples: imported.candidates, demos: imported.demos });
  const { path, sha256, format, name } = product.imported;
  return {
    kept: deduped.kept,
    requests: undefined,
    rejects: undefined,
    counts: { requested: {}, parsed: imported.importedByLabel, unique: imported.importedByLabel, rejectedByJudge: {}, removedAsDuplicates: deduped.removedByLabel, shortfall: {} },
    rounds: undefined,
    llmCalls: 0,
    // An import asks no LLM: nothing to count, rather than unknown.
    usage: { generate: { requests: 0, promptTokens: 0, completionTokens: 0, backendSeconds: 0 } },
    labelDescriptions: undefined,
    imported: { name, path, sha256, format, rows: total(imported.importedByLabel) },
  };
}

interface ImportedSummary {
  name: string;
  path: string;
  sha256: string;
  format: string;
  rows: number;
}

async function generateRows(input: DataProductInput & { product: GeneratedProductSpec }): Promise<Made & { labelDescriptions: ArtifactRef | undefined; imported?: undefined }> {
  const { dataset, product } = input;
  const { generation } = product;
  const promptFile = generationPromptFile(product.strategySettings, generation.prompts);
  const titleParts = { task: product.task, language: product.language, strategy: product.strategy, generatorName: product.generator.name };
  const title = dataProductTitle(titleParts);
  // Decided before the first command, so a recorded history takes the branch it ran.
  const keepsQuota = patched(KEPT_QUOTA_PATCH);

  let labelDescriptions: ArtifactRef | undefined;
  let llmCalls = 0;
  let summarizeUsage: DataProductUsage['summarizeLabels'];
  if (product.labelDescriptions) {
    setStage('summarize-labels');
    const summaries = await llmActivities.summarizeLabels({ dataRoot: input.dataRoot, dataset, generator: product.generator, settings: product.labelDescriptions });
    labelDescriptions = summaries.descriptions;
    llmCalls += summaries.llmCalls;
    summarizeUsage = summaries.usage && addLlmUsage(summaries.usage);
  }

  const generateInput: GenerateInput = {
    productKey: product.key,
    dataRoot: input.dataRoot,
    dataset,
    taskDescription: product.taskDescription,
    language: product.language,
    demos: product.strategySettings.demos,
    generator: product.generator,
    generation,
    promptFile,
    labelDescriptions,
    ...(product.strategySettings.unlabelled === true ? { unlabelled: true as const } : {}),
  };
  const context: Context = { input, generateInput, labelDescriptions, title };
  const made = keepsQuota ? await generateJudgeDedupeUntilKept(context) : await generateJudgeDedupeOnce(context);
  return { ...made, llmCalls: made.llmCalls + llmCalls, labelDescriptions, summarizeUsage };
}

/** Annotate (prompt or file labels; the teacher and the encoder for study D) and record the product. */
async function annotateAndRecord(
  input: DataProductInput,
  made: Made & { labelDescriptions: ArtifactRef | undefined; imported?: ImportedSummary | undefined; translated?: TranslatedSummary | undefined },
): Promise<DataProductOutcome> {
  const { sweepId, dataset, product } = input;
  const generatorName = productGeneratorName(product);
  const titleParts = { task: product.task, language: product.language, strategy: product.strategy, generatorName };
  const { labelDescriptions, llmCalls, summarizeUsage } = made;
  setStage('annotate');
  const annotated = await dataActivities.annotateSamples({
    productKey: product.key,
    samples: made.kept,
    generatorName,
  });
  // Study C: LLM annotators label the rows (and calibration rows); the product's rows take
  // `labelFrom`'s labels. Only products with LLM annotators (none recorded before them) run it.
  let labelledRows = annotated.dataset;
  let keptByLabel = annotated.keptByLabel;
  let llmAnnotation: LlmAnnotationSummary | undefined;
  let annotationCalls = 0;
  if (product.annotation?.llm !== undefined) {
    setStage('annotate-llm');
    const labelled = await llmActivities.annotateWithLlms({
      productKey: product.key,
      dataRoot: input.dataRoot,
      dataset,
      language: product.language,
      ...(product.kind !== 'import' && product.kind !== 'translate' && product.taskDescription !== undefined ? { taskDescription: product.taskDescription } : {}),
      samples: annotated.dataset,
      unlabelled: product.kind !== 'import' && product.kind !== 'translate' && product.strategySettings.unlabelled === true,
      llm: product.annotation.llm,
    });
    labelledRows = labelled.dataset;
    keptByLabel = labelled.keptByLabel;
    llmAnnotation = labelled.summary;
    annotationCalls = labelled.llmCalls;
    setStage('annotate');
  }
  // Study D: the teacher's probabilities and the embeddings, once per (teacher, product). Products
  // without annotation settings (every product recorded before study D) never reach this command.
  let annotation: AnnotationRefs | undefined;
  let teacherInferences = 0;
  if (product.annotation !== undefined) {
    if (product.annotation.teacherKey !== undefined && input.teacher?.outcome.key !== product.annotation.teacherKey) {
      throw ApplicationFailure.create({ type: 'ConfigError', nonRetryable: true, message: `data product ${product.key} needs teacher ${product.annotation.teacherKey}, and the sweep passed ${input.teacher?.outcome.key ?? 'none'}` });
    }
    const heartbeat = input.teacher?.training.heartbeatTimeoutSeconds ?? ANNOTATE_HEARTBEAT_SECONDS;
    const annotatedByModels = await annotationActivitiesWith(heartbeat).annotateWithModels({
      productKey: product.key,
      dataset: labelledRows,
      labels: [...dataset.labels],
      teacher: input.teacher,
      checkpoints: product.annotation.checkpoints,
      embedding: product.annotation.embedding,
    });
    const { teacherInferences: inferences, embeddingRuns: _embeddingRuns, ...refs } = annotatedByModels;
    annotation = refs;
    teacherInferences = inferences;
  }
  const counts: DataProductCounts = { ...made.counts, kept: llmAnnotation === undefined ? (made.counts.kept ?? annotated.keptByLabel) : keptByLabel };
  const result: DataProductResult = {
    key: product.key,
    dataset: labelledRows,
    ...(made.rejects ? { rejects: made.rejects } : {}),
    ...(made.requests ? { requests: made.requests } : {}),
    ...(made.imported ? { imported: made.imported } : {}),
    ...(made.translated ? { translated: made.translated } : {}),
    ...(labelDescriptions ? { labelDescriptions } : {}),
    counts,
    ...(made.rounds !== undefined ? { rounds: made.rounds } : {}),
    llmCalls: llmCalls + annotationCalls,
    generator: generatorName,
    // Carried to the record only (no new command): what the product cost stays out of the sweep's history.
    // Left out when a stage's result was recorded before usage was counted: unknown, not zero.
    ...(made.usage && (product.labelDescriptions === undefined || summarizeUsage) ? { usage: { ...(summarizeUsage ? { summarizeLabels: summarizeUsage } : {}), ...made.usage } } : {}),
    ...(annotation ? { annotation } : {}),
    ...(llmAnnotation ? { llmAnnotation } : {}),
  };
  await recordActivities.recordDataProduct({ sweepId, result });
  if (patched(STATUS_PATCH)) {
    upsertSearchAttributes([
      { key: StageKey, value: 'done' },
      { key: CellStatusKey, value: 'completed' },
    ]);
  } else {
    setStage('done');
  }
  // The static summary (the title, set by the sweep at start) cannot hold the counts: this line is
  // the current details and part of the result, which `temporal workflow describe` prints.
  const summary = dataProductSummary(titleParts, counts);
  setCurrentDetails(summary);
  return { key: product.key, dataset: labelledRows, llmCalls: llmCalls + annotationCalls, summary, ...(annotation ? { annotation, teacherInferences } : {}) };
}
