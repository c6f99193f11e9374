/**
 * Inputs and outputs of every activity, as zod schemas. Activities parse their input with these
 * at the boundary; workflows import the inferred types only. Outputs carry artifact references
 * and small counts, never bulk data.
 */
import { z } from 'zod';
import { artifactRefSchema } from '../artifacts/ref';
import { DatasetSpecSchema } from '../data/dataset-spec';
import { providerConfigSchema } from '../llm/provider-config';

const countsByLabelSchema = z.record(z.string(), z.number().int().nonnegative());

const samplingSchema = z.strictObject({
  temperature: z.number(),
  topP: z.number(),
  repetitionPenalty: z.number(),
  maxTokens: z.number().int(),
  seed: z.number().int().optional(),
});

const generatorSchema = z.strictObject({ name: z.string(), provider: providerConfigSchema });

export const generateInputSchema = z.strictObject({
  productKey: z.string(),
  dataRoot: z.string(),
  dataset: DatasetSpecSchema,
  taskDescription: z.string().optional(),
  language: z.string(),
  demos: z.enum(['none', 'target', 'english']),
  generator: generatorSchema,
  samplesPerLabel: z.number().int().positive(),
  samplesPerRequest: z.number().int().positive(),
  maxRequestsPerLabel: z.number().int().positive(),
  demosPerLabel: z.number().int().nonnegative(),
  demoMaxWords: z.number().int().positive(),
  demoSeed: z.number().int(),
  minChars: z.number().int().nonnegative(),
  maxChars: z.number().int().positive(),
  sampling: samplingSchema,
  promptFile: z.string(),
  /** JSON {label: description} for the SL strategies. */
  labelDescriptions: artifactRefSchema.optional(),
});
export type GenerateInput = z.infer<typeof generateInputSchema>;

export const generateOutputSchema = z.strictObject({
  /** JSONL of candidates: id, label, text, requestIndex. */
  candidates: artifactRefSchema,
  /** JSONL of every LLM request with prompt, parameters, raw reply, finish reason and usage. */
  requests: artifactRefSchema,
  /** JSON of the demos used per label. */
  demos: artifactRefSchema,
  requestsByLabel: countsByLabelSchema,
  parsedByLabel: countsByLabelSchema,
  uniqueByLabel: countsByLabelSchema,
  shortfallByLabel: countsByLabelSchema,
  llmCalls: z.number().int().nonnegative(),
});
export type GenerateOutput = z.infer<typeof generateOutputSchema>;

export const summarizeLabelsInputSchema = z.strictObject({
  dataRoot: z.string(),
  dataset: DatasetSpecSchema,
  generator: generatorSchema,
  settings: z.discriminatedUnion('source', [
    z.strictObject({
      source: z.literal('llm'),
      examplesPerLabel: z.number().int().positive(),
      seed: z.number().int(),
      prompt: z.string(),
      sampling: samplingSchema,
    }),
    z.strictObject({ source: z.literal('file'), path: z.string(), labelColumn: z.string(), descriptionColumn: z.string() }),
  ]),
});
export type SummarizeLabelsInput = z.infer<typeof summarizeLabelsInputSchema>;

export const summarizeLabelsOutputSchema = z.strictObject({
  /** JSON {label: description}, readable by users. */
  descriptions: artifactRefSchema,
  /** JSON of the prompts and raw replies that produced them (empty for a file). */
  provenance: artifactRefSchema,
  llmCalls: z.number().int().nonnegative(),
});
export type SummarizeLabelsOutput = z.infer<typeof summarizeLabelsOutputSchema>;

export const reviseInputSchema = z.strictObject({
  productKey: z.string(),
  dataset: DatasetSpecSchema,
  taskDescription: z.string().optional(),
  language: z.string(),
  candidates: artifactRefSchema,
  generator: generatorSchema,
  concurrency: z.number().int().positive(),
  sampling: samplingSchema,
  promptFile: z.string(),
  labelDescriptions: artifactRefSchema.optional(),
});
export type ReviseInput = z.infer<typeof reviseInputSchema>;

export const reviseOutputSchema = z.strictObject({
  accepted: artifactRefSchema,
  /** JSONL of rejected candidates with the verdict and the judge's reason. */
  rejects: artifactRefSchema,
  rejectedByLabel: countsByLabelSchema,
  llmCalls: z.number().int().nonnegative(),
});
export type ReviseOutput = z.infer<typeof reviseOutputSchema>;

export const dedupeInputSchema = z.strictObject({
  dataRoot: z.string(),
  dataset: DatasetSpecSchema,
  language: z.string(),
  samples: artifactRefSchema,
  demos: artifactRefSchema,
});
export type DedupeInput = z.infer<typeof dedupeInputSchema>;

export const dedupeOutputSchema = z.strictObject({
  kept: artifactRefSchema,
  removed: artifactRefSchema,
  removedByLabel: countsByLabelSchema,
});
export type DedupeOutput = z.infer<typeof dedupeOutputSchema>;

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
  model: z.string(),
  seed: z.number().int(),
  lr: z.number().positive(),
  batchSize: z.number().int().positive(),
  maxLength: z.number().int().positive(),
  maxEpochs: z.number().int().positive(),
  patience: z.number().int().positive(),
  device: z.enum(['auto', 'cpu', 'cuda']),
  threads: z.number().int().positive().optional(),
  // The training recipe (defaults: the sweep config's training schema).
  method: z.enum(['fine-tune', 'linear-probe']),
  pooling: z.enum(['cls', 'mean']),
  headLr: z.number().positive().nullable(),
  headInit: z.enum(['random', 'linear-probe']),
  minSteps: z.number().int().nonnegative(),
  freezeEmbeddings: z.boolean(),
  warmupRatio: z.number().min(0).max(1),
  probeC: z.number().positive().nullable(),
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
});
export type FineTuneOutput = z.infer<typeof fineTuneOutputSchema>;

export const evaluateInputSchema = z.strictObject({
  runKey: z.string(),
  modelDir: z.string(),
  trainResult: artifactRefSchema,
  test: artifactRefSchema,
  labels: z.array(z.string()).min(2),
  maxLength: z.number().int().positive(),
  device: z.enum(['auto', 'cpu', 'cuda']),
  threads: z.number().int().positive().optional(),
});
export type EvaluateInput = z.infer<typeof evaluateInputSchema>;

export const evaluateOutputSchema = z.strictObject({
  metrics: artifactRefSchema,
  predictions: artifactRefSchema,
  accuracy: z.number(),
  macroF1: z.number(),
});
export type EvaluateOutput = z.infer<typeof evaluateOutputSchema>;

/** A cell's GPU work as one activity: fine-tune, then score the test split with the best checkpoint. */
export const fineTuneAndEvaluateInputSchema = fineTuneInputSchema.extend({ test: artifactRefSchema });
export type FineTuneAndEvaluateInput = z.infer<typeof fineTuneAndEvaluateInputSchema>;

export const fineTuneAndEvaluateOutputSchema = z.strictObject({
  trained: fineTuneOutputSchema,
  evaluated: evaluateOutputSchema,
});
export type FineTuneAndEvaluateOutput = z.infer<typeof fineTuneAndEvaluateOutputSchema>;
