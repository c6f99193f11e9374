/**
 * Study C's activity contract: a data product's rows labelled by LLM annotators, once per
 * (annotator, product). Outputs carry artifact references and counts; workflows import the types only.
 */
import { z } from 'zod';
import { artifactRefSchema } from '../artifacts/ref';
import { LABEL_DISTRIBUTIONS, llmAnnotationSummarySchema } from '../artifacts/results';
import { generatorSchema } from '../config/schema';
import { DatasetSpecSchema } from '../data/dataset-spec';

const countsByLabelSchema = z.record(z.string(), z.number().int().nonnegative());

export const llmAnnotatorSpecSchema = z.strictObject({
  name: z.string().min(1),
  generator: generatorSchema,
  prompt: z.string().min(1),
  maxTokens: z.number().int().positive(),
});

export const llmAnnotationSpecSchema = z.strictObject({
  annotators: z.array(llmAnnotatorSpecSchema).min(1),
  labelFrom: z.string().min(1),
  labelDistribution: z.enum(LABEL_DISTRIBUTIONS),
  calibrationPerLabel: z.number().int().nonnegative(),
  seed: z.number().int(),
});

export const annotateWithLlmsInputSchema = z.strictObject({
  productKey: z.string(),
  dataRoot: z.string(),
  dataset: DatasetSpecSchema,
  language: z.string(),
  taskDescription: z.string().optional(),
  /** The product's rows as the annotate stage wrote them (JSONL of SyntheticRow). */
  samples: artifactRefSchema,
  /** The rows carry no label of their own (the Unlabelled strategy): the prompt is no annotator. */
  unlabelled: z.boolean(),
  llm: llmAnnotationSpecSchema,
});
export type AnnotateWithLlmsInput = z.infer<typeof annotateWithLlmsInputSchema>;

export const annotateWithLlmsOutputSchema = z.strictObject({
  /** The product's rows with `labelFrom`'s labels (rows it left without one dropped; rebalanced if asked). */
  dataset: artifactRefSchema,
  keptByLabel: countsByLabelSchema,
  summary: llmAnnotationSummarySchema,
  llmCalls: z.number().int().nonnegative(),
});
export type AnnotateWithLlmsOutput = z.infer<typeof annotateWithLlmsOutputSchema>;

export { llmAnnotationSummarySchema, type LlmAnnotationSummary } from '../artifacts/results';
