/**
 * The sweep config: one zod schema, `z.infer` for the type. Validated at the edge (CLI), so
 * workflows and activities receive a config that is already known to be well formed.
 */
import { z } from 'zod';
import { generatorPriceSchema, LABEL_DISTRIBUTIONS } from '../artifacts/results';
import { providerConfigSchema } from '../llm/provider-config';
import { CLASSIFIER_MODES, classifierVariant } from './classifiers';
import { translateTargets } from './translate-targets';
import { STRATEGY_NAMES, type StrategyName } from './strategies';
import { DRAIN_PER_CHILD } from '../shared/constants';
import { isLanguageCode, LANGUAGE_CODES } from '../data/languages';
import {
  ANNOTATORS,
  BASELINE_NAMES,
  LABEL_KINDS,
  labelKindNeedsTeacher,
  methodNeedsTeacher,
  SELECTION_METHOD_NAMES,
  usesStudyD,
  type Annotator,
  type BaselineName,
  type LabelKind,
  type SelectionMethodName,
} from './study-d';

/** Seeds are 32-bit: the generators and trainers take them as such. */
const seedSchema = z.number().int().min(-2_147_483_648).max(2_147_483_647);

/** A path in the config: a prompt template, a label-descriptions file. */
const pathSchema = z.string().min(1).max(4096);

export const samplingSchema = z.strictObject({
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1),
  repetitionPenalty: z.number().min(1).max(2),
  maxTokens: z.number().int().positive().max(131_072),
  seed: seedSchema.optional(),
});

const strategyNameSchema = z.string().refine((name): name is StrategyName => (STRATEGY_NAMES as string[]).includes(name), {
  error: (issue) => `unknown strategy "${String(issue.input)}"; valid strategies: ${STRATEGY_NAMES.join(', ')}`,
});

export const generatorSchema = z.strictObject({
  /** Short name used in ids, search attributes and tables, e.g. `smollm2`. */
  name: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
  provider: providerConfigSchema,
  /**
   * What the generator's tokens cost, for the report's cost table. Not part of any key (see
   * `generatorIdentity`): setting or changing a price reruns nothing.
   */
  price: generatorPriceSchema.optional(),
});


/**
 * An LLM used as a classifier (study B): a cell that trains nothing and asks the model for each
 * test row's label, zero-shot or with k labelled examples per class from the gold train split.
 * The model is a generator's (`generator: <name>`) or its own (`name` + `provider`).
 */
export const classifierSchema = z.strictObject({
  generator: z.string().min(1).max(64).optional(),
  name: generatorSchema.shape.name.optional(),
  provider: providerConfigSchema.optional(),
  mode: z.enum(CLASSIFIER_MODES),
  /** In-context only: labelled examples per class in the prompt, drawn from gold train with `seed`. */
  examplesPerLabel: z.number().int().min(2).max(100).optional(),
  seed: seedSchema.nonnegative().default(0),
  /** Reply budget: a label is a few tokens. */
  maxTokens: z.number().int().positive().max(1024).default(16),
  /** Score a seeded, class-stratified subset of this many test rows instead of the whole split (for small runs). */
  testRows: z.number().int().positive().max(10_000_000).optional(),
});
export type ClassifierSettings = z.infer<typeof classifierSchema>;

/** Where a task's students are scored: another dataset's test split, in these languages (cross-lingual transfer). */
export const evaluationSchema = z.strictObject({
  /** A dataset registry name whose labels are the task's or a subset of them (then scored over the shared labels). */
  dataset: z.string().min(1).max(64),
  languages: z.array(z.string().regex(/^[a-z]{2,3}$/, 'a 2- or 3-letter language code')).min(1).max(200),
});
export type EvaluationSettings = z.infer<typeof evaluationSchema>;

const taskSchema = z.strictObject({
  /** A dataset registry name (`sib200`, `massive10`, `sentiment`, …). */
  dataset: z.string().min(1).max(64),
  /** What the classifier predicts, used in prompts; a default exists for each built-in dataset. */
  description: z.string().min(1).max(2000).optional(),
  /** Optional; default: each cell is scored on its own dataset's test split in its own language. */
  evaluation: evaluationSchema.optional(),
});

export const generationSchema = z.strictObject({
  samplesPerLabel: z.number().int().positive().max(100_000).default(100),
  samplesPerRequest: z.number().int().positive().max(1000).default(10),
  maxRequestsPerLabel: z.number().int().positive().max(100_000).default(30),
  demosPerLabel: z.number().int().nonnegative().max(1000).default(10),
  demoMaxWords: z.number().int().positive().max(10_000).default(128),
  demoSeed: seedSchema.default(0),
  minChars: z.number().int().nonnegative().max(100_000).default(10),
  maxChars: z.number().int().positive().max(100_000).default(100),
  sampling: samplingSchema.default({ temperature: 0.4, topP: 0.9, repetitionPenalty: 1.2, maxTokens: 512 }),
  /** Template files, relative to the repo root (or absolute): users can swap in their own. */
  prompts: z
    .strictObject({
      targetDemos: pathSchema.default('prompts/generate/target-demos.v1.md'),
      englishDemos: pathSchema.default('prompts/generate/english-demos.v1.md'),
      summarizedLabel: pathSchema.default('prompts/generate/summarized-label.v1.md'),
      /**
       * The TaskOnly strategy's template (no demos, no label summaries). No default here, so that
       * the generation settings, hashed into every data-product key, stay as they were for configs
       * that do not set it; `DEFAULT_TASK_ONLY_PROMPT` applies.
       */
      taskOnly: pathSchema.optional(),
      /** The Unlabelled strategy's template (study C); optional for the same reason; `DEFAULT_UNLABELLED_PROMPT` applies. */
      unlabelled: pathSchema.optional(),
    })
    .default({
      targetDemos: 'prompts/generate/target-demos.v1.md',
      englishDemos: 'prompts/generate/english-demos.v1.md',
      summarizedLabel: 'prompts/generate/summarized-label.v1.md',
    }),
});

export const revisionSchema = z.strictObject({
  /**
   * Not read any more: the judge runs at its provider's `concurrency`, like generation. Kept so
   * that configs that set it still parse and their data-product keys (which hash it) stay the same.
   */
  concurrency: z.number().int().positive().max(1024).default(4),
  sampling: samplingSchema.default({ temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 48 }),
  prompt: pathSchema.default('prompts/revise/judge.v1.md'),
});

/** Where the SL strategies' label descriptions come from: written by the generator LLM, or a user's CSV. */
export const labelDescriptionsSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('llm'),
    examplesPerLabel: z.number().int().positive().max(1000).default(10),
    seed: seedSchema.default(0),
    prompt: pathSchema.default('prompts/summarize/label.v1.md'),
    sampling: samplingSchema.default({ temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 96 }),
  }),
  z.strictObject({
    source: z.literal('file'),
    /** A CSV with one row per label, e.g. ../shared/data/label-descriptions/intent2description.csv. */
    path: pathSchema,
    labelColumn: z.string().min(1).max(1000).default('intent'),
    descriptionColumn: z.string().min(1).max(1000).default('description'),
  }),
]);
export type LabelDescriptionsSettings = z.infer<typeof labelDescriptionsSchema>;

/**
 * Every setting of the ML CLI's `train` and `predict`, declared once with its default. The object
 * travels whole from the config to the trainer (camelCase as here); the Python side validates it and
 * defines no defaults of its own. `ml/synthlab_ml/schemas/trainer-settings.schema.json` is generated
 * from it (`npm run schemas`).
 */
export const trainerSettingsSchema = z.strictObject({
  lr: z.number().positive().max(1).default(1e-5),
  batchSize: z.number().int().positive().max(4096).default(16),
  maxLength: z.number().int().positive().max(8192).default(128),
  maxEpochs: z.number().int().positive().max(10_000).default(50),
  /** Epochs without a better dev score before training stops. */
  patience: z.number().int().positive().max(10_000).default(5),
  /** Share of all optimizer steps spent warming the learning rate up from 0. */
  warmupRatio: z.number().min(0).max(1).default(0.1),
  weightDecay: z.number().min(0).max(1).default(0.01),
  /**
   * Dropout before the classifier head (0 to 0.9; study B uses 0.3); null keeps the model's own
   * (`hidden_dropout_prob` for the mean-pooled head, `classifier_dropout` or else `hidden_dropout_prob`
   * in the HF head). Null is the value every cell was keyed with before, so keys do not change.
   */
  classifierDropout: z.number().min(0).max(0.9).nullable().default(null),
  /** Gradient-norm clipping; null turns it off. */
  maxGradNorm: z.number().positive().max(1e6).nullable().default(1),
  /** The dev metric that picks the best epoch. */
  metricForBest: z.enum(['macro_f1', 'accuracy', 'loss']).default('macro_f1'),
  /** Epoch checkpoints kept while a run is unfinished (for resume). */
  keepCheckpoints: z.number().int().positive().max(1000).default(2),
  /** Keep those checkpoints after the run finished (they only serve a resume; large). */
  keepCheckpointsWhenDone: z.boolean().default(false),
  /** Student temperature of the KL loss on soft-labelled rows. */
  softLabelTemperature: z.number().positive().max(100).default(1.5),
  /**
   * The order in which a run sees its rows' parts (train rows carry `part`: synthetic or gold; ml/synthlab_ml/regimes.py).
   * `mix` (= `standard`, the old name): one shuffled set of all rows; `warmup`: synthetic rows first, then
   * gold rows from the first phase's best weights (fresh optimizer and schedule); `reverse`: gold first, then synthetic.
   */
  regime: z.enum(['standard', 'mix', 'warmup', 'reverse']).default('standard'),
  /** Batches whose gradients are summed before one optimizer step (effective batch = batchSize × this). */
  gradientAccumulation: z.number().int().min(1).max(1024).default(1),
  /** Keep one checkpoint per epoch of the (last phase of the) finished run, for per-epoch predictions (dataset cartography). */
  keepEpochCheckpoints: z.boolean().default(false),
  predictBatchSize: z.number().int().positive().max(4096).default(64),
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  // --- The training recipe (ml/README.md, "train"): measured in bench/trainer-quality.ts. ---
  /** `fine-tune` trains encoder and head; `linear-probe` fits logistic regression on the frozen encoder. */
  method: z.enum(['fine-tune', 'linear-probe']).default('fine-tune'),
  /** `mean`: mean-pooled token states (what e5 and MiniLM were trained with); `cls`: the HF [CLS] pooler head. */
  pooling: z.enum(['cls', 'mean']).default('mean'),
  /** Learning rate of the new head; null = `lr`. */
  headLr: z.number().positive().max(1).nullable().default(null),
  /** `linear-probe` starts the head as the linear probe (LP-FT); `random` is a fresh head. */
  headInit: z.enum(['random', 'linear-probe']).default('linear-probe'),
  /** On a small train set each epoch makes several passes, so that maxEpochs epochs make at least this many steps. */
  minSteps: z.number().int().nonnegative().max(1_000_000).default(50),
  /** Keep the token embedding matrix fixed: most of a multilingual encoder's weights, and of its CPU time. */
  freezeEmbeddings: z.boolean().default(true),
  /** The linear probe's inverse regularisation; null = chosen on the dev split. */
  probeC: z.number().positive().max(1e6).nullable().default(null),
  // --- What a crash costs (ml/README.md, "Preemption"): checkpoints between epoch ends. ---
  /** Also checkpoint every this many optimizer steps, so a kill redoes at most that many; null = at epoch ends only. */
  checkpointEverySteps: z.number().int().positive().max(10_000_000).nullable().default(null),
  /** Also checkpoint once this many minutes passed since the last checkpoint; null = at epoch ends only. */
  checkpointEveryMinutes: z.number().positive().max(10_080).nullable().default(null),
});
export type TrainerSettings = z.infer<typeof trainerSettingsSchema>;

/** Combinations of trainer settings that cannot work (the same rules as TrainerSettings in ml/synthlab_ml/config.py). */
export { usesStudyD } from './study-d';
export { LATER_TRAINER_SETTINGS, withoutUnchangedLaterSettings } from './later-settings';

export function trainerSettingsProblems(settings: TrainerSettings): { field: keyof TrainerSettings; message: string }[] {
  const problems: { field: keyof TrainerSettings; message: string }[] = [];
  if (settings.method === 'linear-probe' && settings.pooling !== 'mean') {
    problems.push({ field: 'pooling', message: `method "linear-probe" works on mean-pooled vectors: set pooling to "mean" (got "${settings.pooling}")` });
  }
  if (settings.method === 'fine-tune' && settings.headInit === 'linear-probe' && settings.pooling !== 'mean') {
    problems.push({ field: 'headInit', message: `headInit "linear-probe" needs the mean-pooled head: set pooling to "mean" or headInit to "random" (got pooling "${settings.pooling}")` });
  }
  if (settings.method === 'linear-probe' && (settings.regime === 'warmup' || settings.regime === 'reverse')) {
    problems.push({ field: 'regime', message: `method "linear-probe" fits all rows at once and has no phases: set regime to "mix" or method to "fine-tune" (got regime "${settings.regime}")` });
  }
  return problems;
}

/** The trainer's settings picked out of a wider object (the config's `training`), unknown keys dropped. */
export const pickTrainerSettings = (training: TrainerSettings): TrainerSettings => z.object(trainerSettingsSchema.shape).parse(training);

export const trainingSchema = trainerSettingsSchema.extend({
  /** A local model dir, `packaged:all-minilm-l6-v2`, `packaged:multilingual-e5-small`, or a hub id on an online machine. */
  model: z.string().min(1).max(4096),
  /** Real held-out examples per label for early stopping (from the dev split, else held out of train). */
  devPerLabel: z.number().int().positive().max(100_000).default(10),
  /** CPU threads for torch. On a small machine that also runs a local LLM, split the cores between them. */
  threads: z.number().int().positive().max(1024).optional(),
  /** How long the GPU queue may go without a heartbeat before the activity is retried elsewhere. */
  heartbeatTimeoutSeconds: z.number().int().positive().max(86_400).default(120),
  // Retry budget of the GPU activity (src/activities/training-attempts.ts): a lost worker costs no attempt that made progress.
  /** The cell fails once this many attempts in a row ended (worker lost, preempted, crashed) without a new checkpoint. */
  maxAttemptsWithoutProgress: z.number().int().positive().max(1000).default(5),
  /** The cell fails once its training failed on its own (the trainer crashed; not a kill or a preemption) this many times. */
  maxTrainerFailures: z.number().int().positive().max(1000).default(3),
  /**
   * Study B: batch size by training-set size, brackets in increasing `upTo` (a set of at most `upTo`
   * rows takes that bracket's batch size; above the last, `batchSize`). Used with selection.sizes.
   */
  batchSizeBySize: z
    .array(z.strictObject({ upTo: z.number().int().positive().max(10_000_000), batchSize: z.number().int().positive().max(4096) }))
    .min(1)
    .max(100)
    .optional(),
});

function oneOf<const Values extends readonly string[]>(values: Values, what: string) {
  return z.string().refine((value): value is Values[number] => (values as readonly string[]).includes(value), {
    error: (issue) => `unknown ${what} "${String(issue.input)}"; valid ${what}s: ${values.join(', ')}`,
  });
}

const selectionMethodSchema = oneOf(SELECTION_METHOD_NAMES, 'selection method') as z.ZodType<SelectionMethodName, string>;
const labelKindSchema = oneOf(LABEL_KINDS, 'label kind') as z.ZodType<LabelKind, string>;
const annotatorSchema = oneOf(ANNOTATORS, 'annotator') as z.ZodType<Annotator, string>;
const baselineSchema = oneOf(BASELINE_NAMES, 'baseline') as z.ZodType<BaselineName, string>;

/** The sentence encoder of the `div` method and of every selection's diversity score. */
export const embeddingSchema = z.strictObject({
  model: z.string().min(1).max(4096).default('packaged:multilingual-e5-small'),
  clustersPerLabel: z.number().int().positive().max(10_000).default(25),
  maxLength: z.number().int().positive().max(8192).default(128),
  batchSize: z.number().int().positive().max(4096).default(64),
});
export type EmbeddingSettings = z.infer<typeof embeddingSchema>;

export const selectionSchema = z.strictObject({
  perLabel: z.number().int().positive().max(100_000),
  /**
   * Study B: training-set sizes (totals, class-balanced, at least 2 per class), each a cell of its
   * own for synthetic and gold alike; absent = `perLabel` per class, as before.
   */
  sizes: z.array(z.number().int().min(4).max(10_000_000)).min(1).max(1000).optional(),
  /** Study B: draws per size; repeat r of seed s uses seed s + r (seeds must be at least `repeats` apart). */
  repeats: z.number().int().positive().max(1000).optional(),
  /** Study D: each method a cell of its own (default [rand]). */
  // Bounded loosely so that an unknown name is reported as such, not as a list too long; a name listed twice is refused (studyDProblems).
  methods: z.array(selectionMethodSchema).min(1).max(100).optional(),
  /** Study D: the label kinds cells train on (default [prompt]). */
  labels: z.array(labelKindSchema).min(1).max(100).optional(),
  embedding: embeddingSchema.optional(),
  /** Method cells also train on the task's source data (study D). */
  withSource: z.boolean().optional(),
  /** Source rows per label for SRC, SRC+GEN and withSource cells; omitted = all of the source split. */
  sourcePerLabel: z.number().int().positive().max(1_000_000).optional(),
  /**
   * Study C: every cell that trains on source (gold) and synthetic rows becomes one cell per regime
   * (`training.regime` of each); cells with one part keep `training.regime`.
   */
  regimes: z.array(z.enum(['mix', 'warmup', 'reverse'])).min(1).max(3).optional(),
});

export const teacherSchema = z.strictObject({
  /** The teacher's model and trainer settings; it keeps one checkpoint per epoch for cartography. */
  training: trainingSchema,
  /** Source rows per label it trains on; omitted = all of the source train split. */
  perLabel: z.number().int().positive().max(1_000_000).optional(),
  seed: seedSchema.default(0),
});
export type TeacherSettings = z.infer<typeof teacherSchema>;

/**
 * A data product read from a file instead of generated by an LLM (imported generations). Its rows
 * go through dedupe, annotate and select like generated ones; its key hashes the file's sha256.
 */
export const importSchema = z.strictObject({
  /** Names the product and its cells as a generator's name would. */
  name: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
  /** One of the config's tasks (its labels, its test split for dedupe and scoring). */
  task: z.string().min(1).max(64),
  language: z.string().regex(/^[a-z]{2,3}$/, 'a 2- or 3-letter language code'),
  /** CSV, TSV or JSON lines; relative paths are read from the config file's folder. */
  path: pathSchema,
  /** Default: from the extension (.csv, .tsv, .jsonl). */
  format: z.enum(['csv', 'tsv', 'jsonl']).optional(),
  columns: z
    .strictObject({
      text: z.string().min(1).max(200).default('text'),
      textPair: z.string().min(1).max(200).optional(),
      label: z.string().min(1).max(200).default('label'),
      labelSource: z.string().min(1).max(200).optional(),
      metadata: z.array(z.string().min(1).max(200)).max(100).optional(),
    })
    .optional(),
  /**
   * The file's sha256. Filled in by the pre-flight, which reads the file; when the config sets it,
   * the file must have exactly this content (a released file pinned by its hash).
   */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits')
    .optional(),
});
export type ImportSettings = z.infer<typeof importSchema>;

/** What translate-train translates: the task's source (gold) train split, and/or the kept rows of its data products. */
export const TRANSLATE_INPUTS = ['source', 'generations'] as const;

/**
 * Translate-train (study D): an LLM translates the source data and/or the generations into each
 * target language. Each translation is a shared data product keyed by exactly its inputs; the
 * baselines SRC, GEN and SRC+GEN get a translated twin (SRC-TT, GEN-TT, SRC+GEN-TT) per target.
 */
export const translateSchema = z.strictObject({
  /** One of `generators`, by name: its provider, limiter and fault retry serve the requests. */
  translator: z.string().min(1).max(64),
  /** A versioned prompt template (role `translate`); its sha256 is part of the products' keys. */
  prompt: pathSchema.default('prompts/translate/translate.v1.md'),
  /** The template's sha256, filled in by the pre-flight; when the config sets it, the file must have exactly this content. */
  promptSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits')
    .optional(),
  languages: z.array(z.string().regex(/^[a-z]{2,3}$/, 'a 2- or 3-letter language code')).min(1).max(200),
  inputs: z.array(z.enum(TRANSLATE_INPUTS)).min(1).max(TRANSLATE_INPUTS.length).default(['source']),
  /** Source rows per label translated (a seeded, class-balanced draw); omitted = the whole train split. */
  sourcePerLabel: z.number().int().positive().max(1_000_000).optional(),
  seed: seedSchema.default(0),
  /** Texts per request, as a numbered batch; 1 = one text per request. */
  textsPerRequest: z.number().int().positive().max(100).default(8),
  sampling: samplingSchema.default({ temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 1024 }),
});
export type TranslateSettings = z.infer<typeof translateSchema>;

/**
 * Study C: an LLM that labels every kept text of a data product (deterministic decoding, the reply
 * constrained to the label set where the backend can), once per (annotator, product).
 */
export const llmAnnotatorSchema = z.strictObject({
  /** The annotator's name in tables and in `labelFrom`. */
  name: generatorSchema.shape.name,
  /** One of the config's generators, whose model labels the texts; or set `provider` for a model that only annotates. */
  generator: z.string().min(1).max(64).optional(),
  provider: providerConfigSchema.optional(),
  prompt: pathSchema.default('prompts/annotate/label.v1.md'),
  /** Reply budget: a label is a few tokens. */
  maxTokens: z.number().int().positive().max(1024).default(16),
});
export type LlmAnnotatorSettings = z.infer<typeof llmAnnotatorSchema>;

export const annotationSchema = z.strictObject({
  annotators: z.array(annotatorSchema).min(1).max(ANNOTATORS.length).default(['prompt']),
  /** Study C: LLM annotators; products of the Unlabelled strategy need at least one (their rows carry no label until annotated). */
  llmAnnotators: z.array(llmAnnotatorSchema).min(1).max(20).optional(),
  /** Study C: the LLM annotator whose labels the product's rows take (default: the first). */
  labelFrom: z.string().min(1).max(64).optional(),
  /** `rebalanced`: downsample every label to the smallest one's count (seeded by `seed`); `as-annotated`: keep what the annotator gave. */
  labelDistribution: z.enum(LABEL_DISTRIBUTIONS).default('as-annotated'),
  /** Gold dev rows per label the LLM annotators also label, for their agreement with gold (0 = none). */
  calibrationPerLabel: z.number().int().nonnegative().max(10_000).default(0),
  seed: seedSchema.default(0),
});
export type AnnotationSettings = z.infer<typeof annotationSchema>;

const concurrencySchema = z.strictObject({
  dataProducts: z.number().int().positive().max(10_000).default(4),
  cells: z.number().int().positive().max(10_000).default(4),
});

/** Temporal's default limits on one workflow history; the server terminates a run that passes them. */
export const TEMPORAL_HISTORY_LIMITS = { events: 51_200, bytes: 50 * 1024 * 1024 } as const;


const orchestrationSchema = z.strictObject({
  /**
   * The sweep workflow stops starting children once its history has this many events, waits for
   * the running ones, and continues as new: far below Temporal's 51,200-event limit.
   */
  continueAsNewAfterEvents: z.number().int().min(20).max(40_000).default(10_000),
  /** The same for the history's size in bytes, far below Temporal's 50 MB limit. */
  continueAsNewAfterBytes: z.number().int().min(10_000).max(30_000_000).default(10_000_000),
});

/** The most cells one sweep may plan: the sweep workflow holds the plan in memory and carries a bit per cell. */
export const MAX_CELLS = 200_000;

/** Values listed twice, in one pass (a list of 10,000 seeds is checked as fast as one of 10). */
export function listedTwice<Value extends string | number>(values: readonly Value[]): Value[] {
  const seen = new Set<Value>();
  const repeated = new Set<Value>();
  for (const value of values) {
    if (seen.has(value)) repeated.add(value);
    else seen.add(value);
  }
  return [...repeated];
}

const sweepConfigObjectSchema = z.strictObject({
    /** The sweep's name: its workflow id is sweep/<name>, its records folder is named after it. */
    name: z
      .string()
      .max(64)
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-" only'),
    dataRoot: pathSchema.optional(),
    /**
     * Dataset files outside the data root (`../../elsewhere/x.csv`, absolute paths) are refused
     * unless this is true, so a config cannot make a worker read an arbitrary file by mistake.
     */
    allowPathsOutsideDataRoot: z.boolean().optional(),
    /**
     * Dataset registry entries: a built-in name with overrides (e.g. another path), or a new
     * dataset in full (format, files per split, column mapping, labels, languages).
     */
    datasets: z.record(z.string().min(1).max(64), z.record(z.string(), z.unknown())).default({}),
    tasks: z.array(taskSchema).min(1).max(100),
    languages: z.array(z.string().regex(/^[a-z]{2,3}$/, 'a 2- or 3-letter language code')).min(1).max(200),
    strategies: z.array(strategyNameSchema).min(1).max(STRATEGY_NAMES.length),
    generators: z.array(generatorSchema).min(1).max(100),
    seeds: z.array(seedSchema.nonnegative()).min(1).max(10_000),
    generation: generationSchema.default(generationSchema.parse({})),
    revision: revisionSchema.default(revisionSchema.parse({})),
    labelDescriptions: labelDescriptionsSchema.default(labelDescriptionsSchema.parse({ source: 'llm' })),
    selection: selectionSchema,
    training: trainingSchema,
    goldBaseline: z.boolean().default(true),
    /** Study D: a model trained on each task's source data that annotates the generations. */
    teacher: teacherSchema.optional(),
    annotation: annotationSchema.optional(),
    /** Data products read from files (imported generations), beside the generated ones. */
    imports: z.array(importSchema).min(1).max(1000).optional(),
    /** Study D's baselines, ordinary cells: SRC (source only), GEN (random generations), SRC+GEN. */
    baselines: z.array(baselineSchema).min(1).max(100).optional(),
    /** Study B: LLMs as classifiers, cells that train nothing, scored on every task's (evaluation) test split. */
    classifiers: z.array(classifierSchema).min(1).max(100).optional(),
    /** Study D: translate-train, a shared data stage per target language (absent: nothing is translated). */
    translate: translateSchema.optional(),
    concurrency: concurrencySchema.default(concurrencySchema.parse({})),
    orchestration: orchestrationSchema.default(orchestrationSchema.parse({})),
  });

export const sweepConfigSchema = sweepConfigObjectSchema
  .superRefine((config, context) => {
    for (const [field, values] of [
      ['languages', config.languages],
      ['strategies', config.strategies],
      ['seeds', config.seeds],
      ['generators', config.generators.map((generator) => generator.name)],
      ['tasks', config.tasks.map((task) => task.dataset)],
    ] as const) {
      const repeated = listedTwice<string | number>(values);
      if (repeated.length > 0) {
        const shown = repeated.slice(0, 10).join(', ') + (repeated.length > 10 ? ` and ${repeated.length - 10} more` : '');
        context.addIssue({ code: 'custom', path: [field], message: `listed twice: ${shown}` });
      }
    }
    const cells = plannedCellCount(config);
    if (cells > MAX_CELLS) {
      context.addIssue({
        code: 'custom',
        path: ['seeds'],
        message: `the grid has ${cells} cells (tasks × languages × (strategies × generators × methods × label kinds + baselines + gold) × evaluation languages × seeds), more than ${MAX_CELLS} per sweep; split it into several sweeps`,
      });
    }
    for (const problem of sizeProblems(config)) context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    for (const problem of classifierProblems(config)) context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    const repeatedImports = listedTwice((config.imports ?? []).map((entry) => entry.name));
    if (repeatedImports.length > 0) context.addIssue({ code: 'custom', path: ['imports'], message: `names listed twice: ${repeatedImports.join(', ')}` });
    const taskNames = config.tasks.map((task) => task.dataset);
    (config.imports ?? []).forEach((entry, index) => {
      if (!taskNames.includes(entry.task)) context.addIssue({ code: 'custom', path: ['imports', index, 'task'], message: `"${entry.task}" is not one of the config's tasks (${taskNames.join(', ')})` });
      if (!config.languages.includes(entry.language)) context.addIssue({ code: 'custom', path: ['imports', index, 'language'], message: `"${entry.language}" is not one of the config's languages (${config.languages.join(', ')})` });
    });
    for (const problem of studyDProblems(config)) context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    for (const problem of translateProblems(config)) context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    for (const problem of studyCProblems(config)) context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    if (config.generation.minChars > config.generation.maxChars) {
      context.addIssue({
        code: 'custom',
        path: ['generation', 'minChars'],
        message: `is ${config.generation.minChars}, more than generation.maxChars (${config.generation.maxChars})`,
      });
    }
    const window = config.concurrency.cells + config.concurrency.dataProducts;
    for (const [unit, limitField] of [
      ['events', 'continueAsNewAfterEvents'],
      ['bytes', 'continueAsNewAfterBytes'],
    ] as const) {
      const worstCase = config.orchestration[limitField] + window * DRAIN_PER_CHILD[unit];
      if (worstCase > TEMPORAL_HISTORY_LIMITS[unit]) {
        context.addIssue({
          code: 'custom',
          path: ['orchestration', limitField],
          message:
            `${config.orchestration[limitField]} ${unit} plus the drain of ${window} children in flight (concurrency.cells + concurrency.dataProducts, ` +
            `up to ${DRAIN_PER_CHILD[unit]} ${unit} each) could pass Temporal's limit of ${TEMPORAL_HISTORY_LIMITS[unit]} ${unit} per history; ` +
            `lower ${limitField} or the concurrency windows`,
        });
      }
    }
    if (config.selection.perLabel > config.generation.samplesPerLabel) {
      context.addIssue({
        code: 'custom',
        path: ['selection', 'perLabel'],
        message: `selects ${config.selection.perLabel} per label but generation.samplesPerLabel is only ${config.generation.samplesPerLabel}`,
      });
    }
    for (const problem of trainerSettingsProblems(config.training)) {
      context.addIssue({ code: 'custom', path: ['training', problem.field], message: problem.message });
    }
  });

/** The number of cells the plan makes (src/config/plan.ts), computed without planning. */
function plannedCellCount(config: SweepConfigShape): number {
  const settings = config.selection;
  const studyD = usesStudyD(config);
  const regimes = settings.regimes?.length ?? 1;
  const variants = studyD ? (settings.methods ?? ['rand']).length * (settings.labels ?? ['prompt']).length * (settings.withSource === true ? regimes : 1) : 1;
  const baselines = config.baselines ?? [];
  const perGenerator = baselines.filter((baseline) => baseline !== 'SRC').length + (baselines.includes('SRC+GEN') ? regimes - 1 : 0);
  const sourceOnly = baselines.includes('SRC') ? 1 : 0;
  let cells = 0;
  for (const task of config.tasks) {
    const evaluations = task.evaluation?.languages.length ?? 1;
    cells += config.languages.length * (config.strategies.length * config.generators.length * (variants + perGenerator) + sourceOnly) * evaluations;
    cells += config.languages.length * (config.goldBaseline ? 1 : 0);
    const imports = (config.imports ?? []).filter((entry) => entry.task === task.dataset && config.languages.includes(entry.language)).length;
    cells += imports * (studyD ? (variants + perGenerator) * evaluations : 1);
    cells += config.languages.length * translateTrainCellsPerLanguage(config, task, config.strategies.length * config.generators.length + imports);
  }
  const sizeCells = (config.selection.sizes?.length ?? 1) * (config.selection.repeats ?? 1);
  return cells * config.seeds.length * sizeCells + classifierCellCount(config);
}

/** Translate-train twins of the baselines per source language (before seeds), for `products` data products. */
function translateTrainCellsPerLanguage(config: SweepConfigShape, task: SweepConfigShape['tasks'][number], products: number): number {
  const settings = config.translate;
  if (settings === undefined) return 0;
  const baselines = config.baselines ?? [];
  const source = settings.inputs.includes('source');
  const generations = settings.inputs.includes('generations');
  const perTarget = (source && baselines.includes('SRC') ? 1 : 0) + (generations ? products * ((baselines.includes('GEN') ? 1 : 0) + (source && baselines.includes('SRC+GEN') ? 1 : 0)) : 0);
  return perTarget * translateTargets(settings.languages, task).length;
}

/** Translate-train: a known translator and target languages, study D settings, and at least one baseline it makes a twin of. */
function translateProblems(config: SweepConfigShape): { path: (string | number)[]; message: string }[] {
  const settings = config.translate;
  if (settings === undefined) return [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  const generatorNames = config.generators.map((generator) => generator.name);
  if (!generatorNames.includes(settings.translator)) problems.push({ path: ['translate', 'translator'], message: `unknown generator "${settings.translator}"; generators: ${generatorNames.join(', ')}` });
  settings.languages.forEach((language, index) => {
    if (!isLanguageCode(language)) problems.push({ path: ['translate', 'languages', index], message: `"${language}" has no script in the language registry (src/data/languages.ts), so its translations cannot be checked; known: ${LANGUAGE_CODES.join(', ')}` });
  });
  for (const [field, values] of [
    ['languages', settings.languages],
    ['inputs', settings.inputs],
  ] as const) {
    const repeated = listedTwice<string>(values);
    if (repeated.length > 0) problems.push({ path: ['translate', field], message: `listed twice: ${repeated.join(', ')}` });
  }
  settings.languages.forEach((language, index) => {
    if (config.tasks.every((task) => !translateTargets([language], task).includes(language))) {
      problems.push({ path: ['translate', 'languages', index], message: `"${language}" is not an evaluation language of any task (tasks[].evaluation.languages): no cell would be scored in it` });
    }
  });
  if (!usesStudyD(config)) problems.push({ path: ['translate'], message: 'translate-train makes twins of study D baselines: set baselines (SRC, GEN, SRC+GEN) and tasks[].evaluation' });
  else if (config.tasks.every((task) => translateTrainCellsPerLanguage(config, task, 1) === 0) && config.tasks.some((task) => translateTargets(settings.languages, task).length > 0)) {
    problems.push({ path: ['translate', 'inputs'], message: `translating ${settings.inputs.join(' and ')} makes no cell with baselines ${(config.baselines ?? []).join(', ') || '(none)'}: source needs SRC (or SRC+GEN with generations), generations need GEN or SRC+GEN` });
  }
  return problems;
}

/** Sizes are distinct and increasing; repeats only with sizes, seeds far enough apart; batch brackets increasing; not with study D. */
function sizeProblems(config: SweepConfigShape): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const { sizes, repeats } = config.selection;
  if (sizes !== undefined && sizes.some((size, index) => index > 0 && size <= (sizes[index - 1] as number))) {
    problems.push({ path: ['selection', 'sizes'], message: `must increase strictly (got ${sizes.join(', ')})` });
  }
  if (repeats !== undefined && sizes === undefined) problems.push({ path: ['selection', 'repeats'], message: 'repeats draws each of selection.sizes: set selection.sizes too' });
  if (repeats !== undefined && repeats > 1) {
    const sorted = [...config.seeds].sort((left, right) => left - right);
    const close = sorted.findIndex((seed, index) => index > 0 && seed - (sorted[index - 1] as number) < repeats);
    if (close > 0) problems.push({ path: ['seeds'], message: `repeat r of seed s uses seed s + r: with ${repeats} repeats, seeds must be at least ${repeats} apart (${sorted[close - 1]} and ${sorted[close]} are not)` });
  }
  const brackets = config.training.batchSizeBySize;
  if (brackets !== undefined && brackets.some((bracket, index) => index > 0 && bracket.upTo <= (brackets[index - 1] as { upTo: number }).upTo)) {
    problems.push({ path: ['training', 'batchSizeBySize'], message: `upTo must increase strictly from bracket to bracket (got ${brackets.map((bracket) => bracket.upTo).join(', ')})` });
  }
  if (sizes !== undefined && usesStudyD(config)) problems.push({ path: ['selection', 'sizes'], message: 'selection.sizes is for study A-shaped sweeps (one training source); it cannot be combined with study D settings yet' });
  return problems;
}

/** Classifier cells: one per classifier and (evaluation) target language of every task. */
function classifierCellCount(config: SweepConfigShape): number {
  const targets = config.tasks.reduce((sum, task) => sum + (task.evaluation?.languages.length ?? config.languages.length), 0);
  return (config.classifiers?.length ?? 0) * targets;
}

/** The classifier's model is a generator's or its own; in-context has k examples per class, zero-shot none; no two alike. */
function classifierProblems(config: SweepConfigShape): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const generatorNames = config.generators.map((generator) => generator.name);
  const seen = new Set<string>();
  (config.classifiers ?? []).forEach((classifier, index) => {
    const path = ['classifiers', index];
    if ((classifier.generator === undefined) === (classifier.provider === undefined)) {
      problems.push({ path, message: 'set either generator (the name of one of generators) or name + provider, not both and not neither' });
    }
    if (classifier.generator !== undefined && !generatorNames.includes(classifier.generator)) {
      problems.push({ path: [...path, 'generator'], message: `unknown generator "${classifier.generator}"; generators: ${generatorNames.join(', ')}` });
    }
    if (classifier.provider !== undefined && classifier.name === undefined) problems.push({ path: [...path, 'name'], message: 'a classifier with its own provider needs a name' });
    if (classifier.mode === 'in-context' && classifier.examplesPerLabel === undefined) {
      problems.push({ path: [...path, 'examplesPerLabel'], message: 'mode "in-context" needs examplesPerLabel (2 to 100 labelled examples per class)' });
    }
    if (classifier.mode === 'zero-shot' && classifier.examplesPerLabel !== undefined) {
      problems.push({ path: [...path, 'examplesPerLabel'], message: 'mode "zero-shot" shows no examples: remove examplesPerLabel or use mode "in-context"' });
    }
    const identity = `${classifier.name ?? classifier.generator ?? ''}.${classifierVariant(classifier)}.s${classifier.seed}`;
    if (seen.has(identity)) problems.push({ path, message: `listed twice: ${identity}` });
    seen.add(identity);
  });
  return problems;
}


type SweepConfigShape = z.infer<typeof sweepConfigObjectSchema>;

/** Study D's cross-field rules: what needs a teacher, and that the teacher annotates when it is there. */
function studyDProblems(config: SweepConfigShape): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const methods = config.selection.methods ?? ['rand'];
  const labels = config.selection.labels ?? ['prompt'];
  const annotators = config.annotation?.annotators ?? ['prompt'];
  for (const [field, values] of [
    ['methods', methods],
    ['labels', labels],
  ] as const) {
    const repeated = listedTwice<string>(values);
    if (repeated.length > 0) problems.push({ path: ['selection', field], message: `listed twice: ${repeated.join(', ')}` });
  }
  const repeatedBaselines = listedTwice<string>(config.baselines ?? []);
  if (repeatedBaselines.length > 0) problems.push({ path: ['baselines'], message: `listed twice: ${repeatedBaselines.join(', ')}` });
  const needTeacher = [
    ...methods.filter(methodNeedsTeacher).map((method) => `selection method "${method}"`),
    ...labels.filter(labelKindNeedsTeacher).map((kind) => `label kind "${kind}"`),
    ...(annotators.includes('teacher') ? ['annotator "teacher"'] : []),
  ];
  if (config.teacher === undefined && needTeacher.length > 0) {
    problems.push({ path: ['teacher'], message: `${needTeacher.join(', ')} need${needTeacher.length === 1 ? 's' : ''} a teacher: set teacher: { training: { model: … } }` });
  }
  if (config.teacher !== undefined && !annotators.includes('teacher')) {
    problems.push({ path: ['annotation', 'annotators'], message: `a teacher is configured: annotation.annotators must include "teacher" (got ${annotators.join(', ')})` });
  }
  if (config.teacher !== undefined) {
    for (const problem of trainerSettingsProblems(config.teacher.training)) problems.push({ path: ['teacher', 'training', problem.field], message: problem.message });
  }
  return problems;
}

/** Study C's cross-field rules: LLM annotators name generators, unlabelled products get labels from one, regimes need phases. */
function studyCProblems(config: SweepConfigShape): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const annotation = config.annotation;
  const llmAnnotators = annotation?.llmAnnotators ?? [];
  const generatorNames = config.generators.map((generator) => generator.name);
  const unlabelled = config.strategies.filter((strategy) => strategy === 'Unlabelled');
  if (unlabelled.length > 0 && llmAnnotators.length === 0) {
    problems.push({ path: ['annotation', 'llmAnnotators'], message: 'strategy "Unlabelled" generates texts without a label: set annotation.llmAnnotators (an LLM that labels them)' });
  }
  const repeated = listedTwice(llmAnnotators.map((annotator) => annotator.name));
  if (repeated.length > 0) problems.push({ path: ['annotation', 'llmAnnotators'], message: `names listed twice: ${repeated.join(', ')}` });
  llmAnnotators.forEach((annotator, index) => {
    if ((annotator.generator === undefined) === (annotator.provider === undefined)) {
      problems.push({ path: ['annotation', 'llmAnnotators', index], message: 'set either generator (the name of one of generators) or provider (a model that only annotates), not both and not neither' });
    }
    if (annotator.generator !== undefined && !generatorNames.includes(annotator.generator)) problems.push({ path: ['annotation', 'llmAnnotators', index, 'generator'], message: `unknown generator "${annotator.generator}"; generators: ${generatorNames.join(', ')}` });
    if (annotator.name === 'prompt' || annotator.name === 'teacher' || annotator.name === 'gold') problems.push({ path: ['annotation', 'llmAnnotators', index, 'name'], message: `"${annotator.name}" names another annotator: choose another name` });
  });
  const labelFrom = annotation?.labelFrom;
  if (labelFrom !== undefined) {
    const allowed = [...(unlabelled.length === 0 ? ['prompt'] : []), ...llmAnnotators.map((annotator) => annotator.name)];
    if (!allowed.includes(labelFrom)) problems.push({ path: ['annotation', 'labelFrom'], message: `"${labelFrom}" is not an annotator whose labels rows can take; allowed: ${allowed.join(', ') || 'none (set annotation.llmAnnotators)'}` });
  }
  const regimes = config.selection.regimes ?? [];
  if (listedTwice(regimes).length > 0) problems.push({ path: ['selection', 'regimes'], message: `listed twice: ${listedTwice(regimes).join(', ')}` });
  if (config.training.method === 'linear-probe' && regimes.some((regime) => regime !== 'mix')) {
    problems.push({ path: ['selection', 'regimes'], message: `method "linear-probe" fits all rows at once and has no phases: use regimes [mix] or training.method "fine-tune" (got ${regimes.join(', ')})` });
  }
  if (regimes.length > 0 && config.selection.withSource !== true && !(config.baselines ?? []).includes('SRC+GEN')) {
    problems.push({ path: ['selection', 'regimes'], message: 'regimes order source (gold) and synthetic rows: set selection.withSource: true or the SRC+GEN baseline' });
  }
  return problems;
}

export type SweepConfigInput = z.input<typeof sweepConfigSchema>;
export type SweepConfig = z.infer<typeof sweepConfigSchema>;
export type GeneratorConfig = SweepConfig['generators'][number];
export type GenerationSettings = SweepConfig['generation'];
export type RevisionSettings = SweepConfig['revision'];
export type TrainingSettings = SweepConfig['training'];
export type SamplingSettings = z.infer<typeof samplingSchema>;
