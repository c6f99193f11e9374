/**
 * What a finished cell and a finished data product leave behind: the records the report reads
 * (and the entry a failed one leaves in the sweep's result). They are written to the sweep records
 * folder by an activity, not carried in workflow history, so a sweep of thousands of cells keeps
 * small histories. Workflow code imports only its types: the zod schemas here cost real time in
 * every workflow's sandbox.
 */
import { z } from 'zod';
import { artifactRefSchema } from './ref';

const countsByLabel = z.record(z.string(), z.number().int().nonnegative());

/** A generator's price per 1,000 tokens (the config's `generators[].price`; the sweep's manifest keeps it for the report). */
export const generatorPriceSchema = z.strictObject({
  promptPer1kTokens: z.number().nonnegative().max(1_000_000),
  completionPer1kTokens: z.number().nonnegative().max(1_000_000),
  /** A label for the amounts in the cost table, e.g. `USD`. */
  currency: z.string().min(1).max(16).optional(),
});
export type GeneratorPrice = z.infer<typeof generatorPriceSchema>;

/** LLM work summed (src/shared/usage.ts): requests, tokens, and the seconds the requests waited on the backend. */
export const llmUsageSchema = z.strictObject({
  requests: z.number().int().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  backendSeconds: z.number().nonnegative(),
});

/** What making a data product took from its generator, per LLM stage (a stage the strategy does not run is absent). */
export const dataProductUsageSchema = z.strictObject({
  /** The label summaries it used; shared by every product of the same task and generator, so count them once per `labelDescriptions`. */
  summarizeLabels: llmUsageSchema.optional(),
  generate: llmUsageSchema,
  revise: llmUsageSchema.optional(),
  /** Translate-train: the translator's requests (a translated product's `generate` is zero). */
  translate: llmUsageSchema.optional(),
});

/** Wall seconds a device spent on one piece of ML work (the subprocess's phase, Python's start included). */
export const deviceSecondsSchema = z.strictObject({
  /** As torch names it: `cpu`, `cuda`, `cuda:0`, `mps`. */
  device: z.string().min(1),
  seconds: z.number().nonnegative(),
});

/** What a cell's training and prediction took. */
export const cellComputeSchema = z.strictObject({
  train: deviceSecondsSchema,
  predict: deviceSecondsSchema,
});

/** Agreement between the prompt's label and the teacher's (argmax of its best checkpoint). */
export const agreementSchema = z.strictObject({
  overall: z.number(),
  byLabel: z.record(z.string(), z.number()),
  kappa: z.number(),
  /** Rows: the prompt's label; columns: the teacher's; both in the labels' order. */
  confusion: z.array(z.array(z.number().int().nonnegative())),
});

/** Study D: how a cell's training set was built, and what its selected generations look like. */
export const cellTrainingSetResultSchema = z.strictObject({
  role: z.enum(['method', 'SRC', 'GEN', 'SRC+GEN', 'SRC-TT', 'GEN-TT', 'SRC+GEN-TT']),
  method: z.string(),
  labels: z.string(),
  syntheticSize: z.number().int().nonnegative(),
  sourceSize: z.number().int().nonnegative(),
  /** Mean pairwise cosine distance of the selected generations' embeddings. */
  diversity: z.number().optional(),
  classBalance: z.strictObject({ counts: z.array(z.number().int().nonnegative()), entropyRatio: z.number() }).optional(),
  shortfallByLabel: z.record(z.string(), z.number().int()),
});

/** Study B: an LLM used as a classifier, what it answered and how often outside the labels. */
export const cellClassifierResultSchema = z.strictObject({
  name: z.string(),
  mode: z.enum(['zero-shot', 'in-context']),
  examplesPerLabel: z.number().int().optional(),
  /** Test rows asked. */
  n: z.number().int().nonnegative(),
  outOfLabel: z.number().int().nonnegative(),
  outOfLabelRate: z.number(),
  constraint: z.enum(['grammar', 'guided-choice', 'json-schema', 'none']),
  /** The per-request log: one JSONL line per test row (reply, answer, usage). */
  requests: artifactRefSchema,
  /** What its requests cost; absent in records written before it was counted. */
  usage: llmUsageSchema.optional(),
});

export const cellResultSchema = z.strictObject({
  key: z.string().min(1),
  kind: z.enum(['synthetic', 'gold', 'classifier']),
  task: z.string(),
  language: z.string(),
  strategy: z.string(),
  generator: z.string(),
  seed: z.number().int(),
  trainSize: z.number().int().nonnegative(),
  accuracy: z.number(),
  macroF1: z.number(),
  metrics: artifactRefSchema,
  modelDir: z.string(),
  bestEpoch: z.number().int(),
  resumedFromEpoch: z.number().int().nullable(),
  trainings: z.number().int().nonnegative(),
  /** Training and prediction seconds; absent in records written before they were measured. */
  compute: cellComputeSchema.optional(),
  /** Study D only. */
  trainingSet: cellTrainingSetResultSchema.optional(),
  /** Study D: where the cell was scored, and over which labels when fewer than the task's. */
  evaluation: z.strictObject({ dataset: z.string(), language: z.string(), scoredLabels: z.array(z.string()).optional() }).optional(),
  /** Study B: the training set's requested total, which draw of it, and what each label lacked (never a silent smaller set). */
  size: z.strictObject({ total: z.number().int().positive(), repeat: z.number().int().nonnegative(), shortfallByLabel: z.record(z.string(), z.number().int()) }).optional(),
  /** Study B: present for an LLM classifier cell (which trains nothing: trainSize counts its in-context examples). */
  classifier: cellClassifierResultSchema.optional(),
  /** Study C: the order the cell saw its gold and synthetic rows in (mix, warmup, reverse); absent for `standard`. */
  regime: z.enum(['mix', 'warmup', 'reverse']).optional(),
});

export const dataProductCountsSchema = z.strictObject({
  requested: countsByLabel,
  parsed: countsByLabel,
  unique: countsByLabel,
  rejectedByJudge: countsByLabel,
  removedAsDuplicates: countsByLabel,
  kept: countsByLabel,
  /** Kept samples missing to reach the quota (before rounds: unique candidates missing). */
  shortfall: countsByLabel,
  /** Accepted, unique samples that came after their label's quota was full (not kept). Absent before rounds. */
  overQuota: countsByLabel.optional(),
});

/** What a study D data product's annotate stage leaves: artifacts, never rows in history. */
export const annotationRefsSchema = z.strictObject({
  /** The teacher's key; absent when no teacher annotated. */
  teacherKey: z.string().optional(),
  /** JSONL, one line per row in dataset order: {pred, probs} of the teacher's best checkpoint. */
  teacherPredictions: artifactRefSchema.optional(),
  /** .npy float32 [E, N, C]: the teacher's probabilities per epoch checkpoint (E = 1 for `best`). */
  teacherProbabilities: artifactRefSchema.optional(),
  /** .npy float32 [N, D]: L2-normalised sentence embeddings in dataset order. */
  embeddings: artifactRefSchema,
  agreement: agreementSchema.optional(),
});
export type AnnotationRefs = z.infer<typeof annotationRefsSchema>;

/** Study C: how a product's rows take an annotator's labels: as annotated, or downsampled to the smallest label. */
export const LABEL_DISTRIBUTIONS = ['as-annotated', 'rebalanced'] as const;

const pairAgreementSchema = z.strictObject({
  first: z.string(),
  second: z.string(),
  rows: z.number().int().nonnegative(),
  unlabelled: z.number().int().nonnegative(),
  // NaN (no row both labelled) travels as null in JSON.
  overall: z.number().nullable(),
  kappa: z.number().nullable(),
  confusion: z.array(z.array(z.number().int().nonnegative())),
});

export const llmAnnotationSummarySchema = z.strictObject({
  labelFrom: z.string(),
  labelDistribution: z.enum(LABEL_DISTRIBUTIONS),
  /** Rows per label as `labelFrom` annotated them, before any rebalancing. */
  asAnnotatedByLabel: countsByLabel,
  /** Rows dropped because `labelFrom` answered outside the labels. */
  droppedOutsideLabels: z.number().int().nonnegative(),
  /** Rows each label lost to `rebalanced` (absent for as-annotated). */
  removedByRebalance: countsByLabel.optional(),
  annotators: z.array(
    z.strictObject({
      name: z.string(),
      /** How the backend held the reply to the labels, or `none` (parsed strictly). */
      constraint: z.enum(['grammar', 'guided-choice', 'json-schema', 'none']),
      /** Product rows it answered outside the labels. */
      outsideLabels: z.number().int().nonnegative(),
      /** Answers (product and calibration rows) that carry a confidence from log-probabilities. */
      withConfidence: z.number().int().nonnegative(),
      answered: z.number().int().nonnegative(),
    }),
  ),
  /** Pairwise agreement on the product's rows (the prompt's label as an annotator unless the rows had none). */
  pairs: z.array(pairAgreementSchema),
  /** Each LLM annotator against gold, on the calibration rows. */
  againstGold: z.array(pairAgreementSchema),
  calibrationRows: z.number().int().nonnegative(),
  /** JSONL: per product and calibration row, every annotator's label (null = outside) and confidence. */
  annotations: artifactRefSchema,
});
export type LlmAnnotationSummary = z.infer<typeof llmAnnotationSummarySchema>;

export const dataProductResultSchema = z.strictObject({
  key: z.string().min(1),
  dataset: artifactRefSchema,
  rejects: artifactRefSchema.optional(),
  /** The append-only log of LLM requests; absent for an imported product. */
  requests: artifactRefSchema.optional(),
  /** An imported product's file: rows point at its lines. */
  imported: z.strictObject({ name: z.string(), path: z.string(), sha256: z.string(), format: z.string(), rows: z.number().int().nonnegative() }).optional(),
  /** A translated product (translate-train): what it translated, and what was dropped and why (the rows in `dropped`). */
  translated: z
    .strictObject({
      from: z.string(),
      sourceLanguage: z.string(),
      translator: z.string(),
      promptSha256: z.string(),
      sourceRows: z.number().int().nonnegative(),
      sourceRowsSha256: z.string(),
      droppedByReason: z.record(z.string(), z.number().int().nonnegative()),
      dropped: artifactRefSchema,
    })
    .optional(),
  labelDescriptions: artifactRefSchema.optional(),
  counts: dataProductCountsSchema,
  /** Generate → judge → dedupe rounds it took to meet the quota of kept samples. Absent before rounds. */
  rounds: z.number().int().positive().optional(),
  llmCalls: z.number().int().nonnegative(),
  /** The generator's name (the config's `generators[].name`). Absent in records written before usage was counted. */
  generator: z.string().optional(),
  /** What making it took from the generator (work redone after a crash counted once). Absent in older records. */
  usage: dataProductUsageSchema.optional(),
  /** Study D's annotation artifacts and the teacher's agreement with the prompt's labels. */
  annotation: annotationRefsSchema.optional(),
  /** Study C: the LLM annotators' labels, their agreement, and the label distribution the rows took. */
  llmAnnotation: llmAnnotationSummarySchema.optional(),
});

/** A trained teacher (study D): its training run, shared by every data product that names it. */
export const teacherOutcomeSchema = z.strictObject({
  key: z.string().min(1),
  runKey: z.string(),
  /** The best checkpoint; the per-epoch checkpoints lie beside it (ML CLI `epochs/`). */
  modelDir: z.string(),
  trainResult: artifactRefSchema,
  bestEpoch: z.number().int(),
  epochsRun: z.number().int(),
  labels: z.array(z.string()),
  /** Source rows it learnt from. */
  trainSize: z.number().int().nonnegative(),
  /** 1 when this run trained it, 0 when it was found. */
  trainings: z.number().int().nonnegative(),
});
export type TeacherOutcome = z.infer<typeof teacherOutcomeSchema>;

export type CellResult = z.infer<typeof cellResultSchema>;
export type CellCompute = z.infer<typeof cellComputeSchema>;
export type DeviceSeconds = z.infer<typeof deviceSecondsSchema>;
export type DataProductUsage = z.infer<typeof dataProductUsageSchema>;
export type DataProductCounts = z.infer<typeof dataProductCountsSchema>;
export type DataProductResult = z.infer<typeof dataProductResultSchema>;

/**
 * What a cell workflow returns to its sweep: counts and metrics, nothing bulky, so a finished
 * cell shows how it did in the UI. (Cells that finished before the metrics were added returned
 * only `key` and `trainings`; the sweep reads only `trainings`.)
 */
export interface CellOutcome {
  key: string;
  trainings: number;
  macroF1: number;
  accuracy: number;
  trainSize: number;
  /** Where the training labels came from: `prompt` (the label the generator was asked for) or `gold`. */
  labelSource: 'prompt' | 'gold' | 'teacher' | 'none';
  /** Study B: LLM requests a classifier cell sent (absent for trained cells). */
  llmCalls?: number;
  /** One readable line, e.g. `sib200 · cy · TargetDemos · smollm2-135m · seed 1 → macro-F1 61.2`. */
  summary: string;
}

/** What a data-product workflow returns to its sweep: what its cells need, and the LLM call count. */
export interface DataProductOutcome {
  key: string;
  dataset: z.infer<typeof artifactRefSchema>;
  llmCalls: number;
  /** Study D: the annotation artifacts the cells select from. */
  annotation?: AnnotationRefs;
  /** Study D: 1 when this run ran the teacher over the product, else 0. */
  teacherInferences?: number;
  /**
   * One readable line, e.g. `sib200 · cy · TargetDemos · smollm2-135m → kept 70, rejected 12`.
   * Absent where the outcome comes from a record (a resumed sweep) or an older run.
   */
  summary?: string;
}

/** A data product or cell that failed after its retries, as the sweep's result lists it. */
export interface FailedItem {
  key: string;
  kind: 'data-product' | 'cell' | 'teacher';
  message: string;
}
