/**
 * Inputs and outputs of every activity, as zod schemas. Activities parse their input with these
 * at the boundary; workflows import the inferred types only. Outputs carry artifact references
 * and small counts, never bulk data.
 */
import { z } from 'zod';
import { artifactRefSchema } from '../artifacts/ref';
import { deviceSecondsSchema, llmUsageSchema } from '../artifacts/results';
import { generationSchema, generatorSchema, labelDescriptionsSchema, revisionSchema, trainingSchema } from '../config/schema';
import { DatasetSpecSchema } from '../data/dataset-spec';

const countsByLabelSchema = z.record(z.string(), z.number().int().nonnegative());

export const generateInputSchema = z.strictObject({
  productKey: z.string(),
  dataRoot: z.string(),
  dataset: DatasetSpecSchema,
  taskDescription: z.string().optional(),
  language: z.string(),
  demos: z.enum(['none', 'target', 'english']),
  generator: generatorSchema,
  /** The config's generation settings, whole; `promptFile` is the template its strategy uses. */
  generation: generationSchema,
  promptFile: z.string(),
  /** JSON {label: description} for the SL strategies. */
  labelDescriptions: artifactRefSchema.optional(),
  // A round of a product that generates until its quota of kept samples is met (see dataProductWorkflow):
  /** The generation state the previous round left (`state` of its output); absent for the first round. */
  previous: artifactRefSchema.optional(),
  /** Unique candidates wanted per label, counting the previous rounds'; `samplesPerLabel` when absent. */
  uniqueTargetByLabel: countsByLabelSchema.optional(),
  /**
   * Study C's Unlabelled strategy: the labels are only request slots with one prompt, so each slot
   * samples with its own seeds (identical requests would give identical texts). Absent otherwise.
   */
  unlabelled: z.literal(true).optional(),
});
export type GenerateInput = z.infer<typeof generateInputSchema>;

export const generateOutputSchema = z.strictObject({
  /** JSONL of the candidates this call generated (not the previous rounds'): id, label, text, requestIndex. */
  candidates: artifactRefSchema,
  /** JSON of the generation state, every round's samples and requests: the next round's `previous`. Absent in older records. */
  state: artifactRefSchema.optional(),
  /** JSONL of every LLM request with prompt, parameters, raw reply, finish reason and usage. */
  requests: artifactRefSchema,
  /** JSON of the demos used per label. */
  demos: artifactRefSchema,
  /** Counts over all rounds so far. */
  requestsByLabel: countsByLabelSchema,
  parsedByLabel: countsByLabelSchema,
  uniqueByLabel: countsByLabelSchema,
  /** Unique candidates missing to reach the target (`uniqueTargetByLabel`, else `samplesPerLabel`). */
  shortfallByLabel: countsByLabelSchema,
  llmCalls: z.number().int().nonnegative(),
  /** What this call's round of requests took, from its request log (a cached output reports the same); absent in older records. */
  usage: llmUsageSchema.optional(),
});
export type GenerateOutput = z.infer<typeof generateOutputSchema>;

export const summarizeLabelsInputSchema = z.strictObject({
  dataRoot: z.string(),
  dataset: DatasetSpecSchema,
  generator: generatorSchema,
  settings: labelDescriptionsSchema,
});
export type SummarizeLabelsInput = z.infer<typeof summarizeLabelsInputSchema>;

export const summarizeLabelsOutputSchema = z.strictObject({
  /** JSON {label: description}, readable by users. */
  descriptions: artifactRefSchema,
  /** JSON of the prompts and raw replies that produced them (empty for a file). */
  provenance: artifactRefSchema,
  llmCalls: z.number().int().nonnegative(),
  /** What the requests behind this output took (a cached output reports the same); absent in older records. */
  usage: llmUsageSchema.optional(),
});
export type SummarizeLabelsOutput = z.infer<typeof summarizeLabelsOutputSchema>;

export const reviseInputSchema = z.strictObject({
  productKey: z.string(),
  dataset: DatasetSpecSchema,
  taskDescription: z.string().optional(),
  language: z.string(),
  candidates: artifactRefSchema,
  generator: generatorSchema,
  revision: revisionSchema,
  labelDescriptions: artifactRefSchema.optional(),
});
export type ReviseInput = z.infer<typeof reviseInputSchema>;

export const reviseOutputSchema = z.strictObject({
  accepted: artifactRefSchema,
  /** JSONL of rejected candidates with the verdict and the judge's reason. */
  rejects: artifactRefSchema,
  rejectedByLabel: countsByLabelSchema,
  llmCalls: z.number().int().nonnegative(),
  /** What the requests behind this output took (a cached output reports the same); absent in older records. */
  usage: llmUsageSchema.optional(),
});
export type ReviseOutput = z.infer<typeof reviseOutputSchema>;

/** Near-duplicate removal (stages/near-duplicates.ts); absent means exact duplicates only. */
export const nearDuplicateOptionsSchema = z.strictObject({
  /** Jaccard similarity of the character-shingle sets at or above which two texts are near-duplicates. */
  threshold: z.number().gt(0).lte(1),
  shingleSize: z.number().int().positive().optional(),
  hashes: z.number().int().min(2).max(1024).optional(),
  seed: z.number().int().optional(),
});

export const dedupeInputSchema = z.strictObject({
  dataRoot: z.string(),
  dataset: DatasetSpecSchema,
  language: z.string(),
  samples: artifactRefSchema,
  demos: artifactRefSchema,
  nearDuplicates: nearDuplicateOptionsSchema.optional(),
});
export type DedupeInput = z.infer<typeof dedupeInputSchema>;

export const dedupeOutputSchema = z.strictObject({
  kept: artifactRefSchema,
  removed: artifactRefSchema,
  removedByLabel: countsByLabelSchema,
});
export type DedupeOutput = z.infer<typeof dedupeOutputSchema>;

/** Where an imported product's rows come from (plan.ts ImportSource). */
export const importSourceSchema = z.strictObject({
  name: z.string(),
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  format: z.enum(['csv', 'tsv', 'jsonl']),
  columns: z.strictObject({
    text: z.string(),
    textPair: z.string().optional(),
    label: z.string(),
    labelSource: z.string().optional(),
    metadata: z.array(z.string()).optional(),
  }),
});

export const importSamplesInputSchema = z.strictObject({
  productKey: z.string(),
  source: importSourceSchema,
  labels: z.array(z.string()).min(1),
  /** The task has text pairs (NLI). */
  pairs: z.boolean(),
});
export type ImportSamplesInput = z.infer<typeof importSamplesInputSchema>;

export const importSamplesOutputSchema = z.strictObject({
  /** JSONL candidates: id, label, text, textPair?, labelSource, origin {kind: file, file, sha256, line}, metadata?. */
  candidates: artifactRefSchema,
  /** An empty demo set (JSON {}): imports have no demos for dedupe to hold out. */
  demos: artifactRefSchema,
  importedByLabel: countsByLabelSchema,
});
export type ImportSamplesOutput = z.infer<typeof importSamplesOutputSchema>;

export const annotateInputSchema = z.strictObject({
  productKey: z.string(),
  samples: artifactRefSchema,
  generatorName: z.string(),
});
export type AnnotateInput = z.infer<typeof annotateInputSchema>;

export const annotateOutputSchema = z.strictObject({
  /** JSONL rows: id, text, label, labelSource, generator. */
  dataset: artifactRefSchema,
  keptByLabel: countsByLabelSchema,
});
export type AnnotateOutput = z.infer<typeof annotateOutputSchema>;

export const selectInputSchema = z.strictObject({
  dataRoot: z.string(),
  dataset: DatasetSpecSchema,
  language: z.string(),
  /** The synthetic dataset to select from; absent for the gold baseline (real training split). */
  source: artifactRefSchema.optional(),
  perLabel: z.number().int().positive(),
  /** Study B: a class-balanced total instead of perLabel (at least 2 per class; see config/sizes.ts). */
  size: z.number().int().positive().optional(),
  devPerLabel: z.number().int().positive(),
  seed: z.number().int(),
});
export type SelectInput = z.infer<typeof selectInputSchema>;

export const selectOutputSchema = z.strictObject({
  train: artifactRefSchema,
  dev: artifactRefSchema,
  test: artifactRefSchema,
  labels: z.array(z.string()),
  trainSize: z.number().int().nonnegative(),
  shortfallByLabel: countsByLabelSchema,
});
export type SelectOutput = z.infer<typeof selectOutputSchema>;

export const fineTuneInputSchema = z.strictObject({
  train: artifactRefSchema,
  dev: artifactRefSchema,
  labels: z.array(z.string()).min(2),
  seed: z.number().int(),
  /** The config's training settings, whole: the model, the trainer's settings, threads. */
  training: trainingSchema,
});
export type FineTuneInput = z.infer<typeof fineTuneInputSchema>;

export const fineTuneOutputSchema = z.strictObject({
  runKey: z.string(),
  /** Folder of the best checkpoint (a directory, so referenced by path plus its train result). */
  modelDir: z.string(),
  trainResult: artifactRefSchema,
  bestEpoch: z.number().int(),
  epochsRun: z.number().int(),
  resumedFromEpoch: z.number().int().nullable(),
  trainings: z.number().int().nonnegative(),
  /** Wall seconds of training on its device (a reused run reports what making it took); absent in older records. */
  compute: deviceSecondsSchema.optional(),
});
export type FineTuneOutput = z.infer<typeof fineTuneOutputSchema>;

/** A trained run (as fine-tune returned it) scored on a test split, with the labels and training settings it was trained with. */
export const evaluateInputSchema = fineTuneOutputSchema.pick({ runKey: true, modelDir: true, trainResult: true }).extend({
  test: artifactRefSchema,
  ...fineTuneInputSchema.pick({ labels: true, training: true }).shape,
});
export type EvaluateInput = z.infer<typeof evaluateInputSchema>;

export const evaluateOutputSchema = z.strictObject({
  metrics: artifactRefSchema,
  predictions: artifactRefSchema,
  accuracy: z.number(),
  macroF1: z.number(),
  /** Wall seconds of predicting the test split on its device; absent in older records. */
  compute: deviceSecondsSchema.optional(),
});
export type EvaluateOutput = z.infer<typeof evaluateOutputSchema>;

/** A cell's GPU work as one activity: fine-tune, then score the test split with the best checkpoint. */
export const fineTuneAndEvaluateInputSchema = fineTuneInputSchema.extend({
  test: artifactRefSchema,
  /** Study D: score the test split over these labels only (a target with fewer labels than the source). */
  scoreLabels: z.array(z.string()).min(2).optional(),
});
export type FineTuneAndEvaluateInput = z.infer<typeof fineTuneAndEvaluateInputSchema>;

export const fineTuneAndEvaluateOutputSchema = z.strictObject({
  trained: fineTuneOutputSchema,
  evaluated: evaluateOutputSchema,
});
export type FineTuneAndEvaluateOutput = z.infer<typeof fineTuneAndEvaluateOutputSchema>;

/**
 * One round's bookkeeping for a product that generates until its quota of kept samples is met:
 * the round's accepted samples are deduped together with everything kept so far (and against
 * test and demos), each label keeps at most the quota, and the ledger (kept, removed and judge
 * rejects of all rounds) grows by the round. Artifacts only grow; the history carries refs and counts.
 */
const keptLedgerSchema = z.strictObject({
  /** JSONL of every sample kept so far, in the order the rounds kept them. */
  kept: artifactRefSchema,
  /** JSONL of every sample removed so far, with its reason (a duplicate, a leak, `over_quota`). */
  removed: artifactRefSchema,
  /** JSONL of every candidate the judge rejected so far, with the verdict and the judge's reason. */
  rejects: artifactRefSchema,
});
export type KeptLedger = z.infer<typeof keptLedgerSchema>;

/** Dedupe's input (`samples`: the round's samples, those the judge accepted, or all candidates when the strategy does not revise), and the round's bookkeeping. */
export const keepSamplesInputSchema = dedupeInputSchema.extend({
  /** The round's judge rejects, when the strategy revises. */
  rejects: artifactRefSchema.optional(),
  quotaPerLabel: z.number().int().positive(),
  /** The ledger the previous round left; absent for the first round. */
  previous: keptLedgerSchema.optional(),
  /**
   * Study C's Unlabelled strategy: the labels are only request slots, so a text in two slots is a
   * plain duplicate (one copy kept), not a text two labels claim (both removed). Absent otherwise.
   */
  unlabelled: z.literal(true).optional(),
});
export type KeepSamplesInput = z.infer<typeof keepSamplesInputSchema>;

export const keepSamplesOutputSchema = z.strictObject({
  ledger: keptLedgerSchema,
  /** Counts over all rounds so far. */
  keptByLabel: countsByLabelSchema,
  removedAsDuplicatesByLabel: countsByLabelSchema,
  overQuotaByLabel: countsByLabelSchema,
  rejectedByJudgeByLabel: countsByLabelSchema,
});
export type KeepSamplesOutput = z.infer<typeof keepSamplesOutputSchema>;

/** Study B: an LLM as a classifier over a test split. The provider travels whole (its concurrency sets how many requests run at once). */
export const classifyInputSchema = z.strictObject({
  cellKey: z.string(),
  dataRoot: z.string(),
  dataset: DatasetSpecSchema,
  language: z.string(),
  taskDescription: z.string().optional(),
  classifier: z.strictObject({
    name: z.string(),
    provider: generatorSchema.shape.provider,
    mode: z.enum(['zero-shot', 'in-context']),
    examplesPerLabel: z.number().int().min(2).max(100).optional(),
    seed: z.number().int().nonnegative(),
    maxTokens: z.number().int().positive(),
    testRows: z.number().int().positive().optional(),
  }),
  /** prompts/classify/zero-shot.v1.md or in-context.v1.md. */
  promptFile: z.string(),
});
export type ClassifyInput = z.infer<typeof classifyInputSchema>;

export const classifyOutputSchema = z.strictObject({
  n: z.number().int().nonnegative(),
  accuracy: z.number(),
  macroF1: z.number(),
  /** Answers that named no label (counted wrong), and their share of n. */
  outOfLabel: z.number().int().nonnegative(),
  outOfLabelRate: z.number(),
  /** How the backend constrained the answer to the labels, or `none` (parsed strictly). */
  constraint: z.enum(['grammar', 'guided-choice', 'json-schema', 'none']),
  /** metrics.json in the ML CLI's shape, plus out_of_label. */
  metrics: artifactRefSchema,
  /** JSONL, one line per test row in split order: id, gold, reply, answer (null = outside the labels), usage. */
  requests: artifactRefSchema,
  /** Every request's tokens and backend seconds, a retried activity's earlier attempts included; absent in records written before it was counted. */
  usage: llmUsageSchema.optional(),
  llmCalls: z.number().int().nonnegative(),
});
export type ClassifyOutput = z.infer<typeof classifyOutputSchema>;
