/**
 * Study D's activity contracts: the teacher's annotation of a data product (probabilities and
 * embeddings as artifacts, agreement as numbers) and a cell's training set built from several
 * sources. Workflows import the inferred types only.
 */
import { z } from 'zod';
import { artifactRefSchema } from '../artifacts/ref';
import { embeddingSchema, trainingSchema } from '../config/schema';
import { LABEL_KINDS, SELECTION_METHOD_NAMES } from '../config/study-d';
import { DatasetSpecSchema } from '../data/dataset-spec';
import { annotationRefsSchema, teacherOutcomeSchema } from '../artifacts/results';

export { agreementSchema, annotationRefsSchema, teacherOutcomeSchema, type AnnotationRefs, type TeacherOutcome } from '../artifacts/results';

export const annotateWithModelsInputSchema = z.strictObject({
  productKey: z.string(),
  /** The product's annotated rows (JSONL: id, text, label = the prompt's label, …). */
  dataset: artifactRefSchema,
  labels: z.array(z.string()).min(2),
  /** The teacher and its settings (device, threads, batch size and max length of its predictions). */
  teacher: z.strictObject({ outcome: teacherOutcomeSchema, training: trainingSchema }).optional(),
  checkpoints: z.enum(['best', 'every-epoch']),
  embedding: embeddingSchema,
});
export type AnnotateWithModelsInput = z.infer<typeof annotateWithModelsInputSchema>;

export const annotateWithModelsOutputSchema = annotationRefsSchema.extend({
  /** 1 when this call ran the teacher's predictions, 0 when they were found in the records. */
  teacherInferences: z.number().int().nonnegative(),
  /** 1 when this call ran the encoder, 0 when found. */
  embeddingRuns: z.number().int().nonnegative(),
});
export type AnnotateWithModelsOutput = z.infer<typeof annotateWithModelsOutputSchema>;

export const trainingSetSchema = z.strictObject({
  role: z.enum(['method', 'SRC', 'GEN', 'SRC+GEN', 'SRC-TT', 'GEN-TT', 'SRC+GEN-TT']),
  method: z.enum(SELECTION_METHOD_NAMES),
  labels: z.enum(LABEL_KINDS),
  synthetic: z.boolean(),
  source: z.boolean(),
  sourcePerLabel: z.number().int().positive().optional(),
  clustersPerLabel: z.number().int().positive(),
});

export const selectStudyInputSchema = z.strictObject({
  dataRoot: z.string(),
  /** The task's dataset: its train and dev splits in `language` are the source data. */
  dataset: DatasetSpecSchema,
  language: z.string(),
  /** The data product's rows and annotation, for cells that train on generations. */
  product: z.strictObject({ dataset: artifactRefSchema, annotation: annotationRefsSchema.optional() }).optional(),
  /** Translate-train: the translated source product's rows, drawn instead of the source split's (SRC-TT, SRC+GEN-TT). */
  translatedSource: artifactRefSchema.optional(),
  trainingSet: trainingSetSchema,
  perLabel: z.number().int().positive(),
  devPerLabel: z.number().int().positive(),
  seed: z.number().int(),
  /** Where the cell is scored; absent: the task's own test split in `language`. */
  evaluation: z.strictObject({ dataset: DatasetSpecSchema, language: z.string() }).optional(),
});
export type SelectStudyInput = z.infer<typeof selectStudyInputSchema>;

export const classBalanceSchema = z.strictObject({ counts: z.array(z.number().int().nonnegative()), entropyRatio: z.number() });

export const selectStudyOutputSchema = z.strictObject({
  train: artifactRefSchema,
  dev: artifactRefSchema,
  test: artifactRefSchema,
  labels: z.array(z.string()),
  /** The evaluation's labels when they are a strict subset of `labels`: the test is scored over these. */
  scoreLabels: z.array(z.string()).optional(),
  trainSize: z.number().int().nonnegative(),
  syntheticSize: z.number().int().nonnegative(),
  sourceSize: z.number().int().nonnegative(),
  shortfallByLabel: z.record(z.string(), z.number().int()),
  /** Of the selected generations; absent when the cell trains on none. */
  diversity: z.number().optional(),
  classBalance: classBalanceSchema.optional(),
});
export type SelectStudyOutput = z.infer<typeof selectStudyOutputSchema>;
