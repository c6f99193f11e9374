/** Shapes of the JSONL rows that stages pass to each other through the artifact store. */
import { z } from 'zod';

export const candidateSchema = z.looseObject({
  id: z.string(),
  label: z.string(),
  text: z.string(),
  /** The second text of a pair task's sample (NLI's hypothesis; `text` is the premise). */
  textPair: z.string().optional(),
});
export type Candidate = z.infer<typeof candidateSchema>;

/** Where a row came from: the LLM request that produced it (index into the product's request log, per label), or a file's line. */
export const rowOriginSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('request'), label: z.string(), requestIndex: z.number().int().nonnegative() }),
  z.strictObject({ kind: z.literal('file'), file: z.string(), sha256: z.string(), line: z.number().int().positive() }),
  /** Translate-train: the translation of source row `sourceRowId` (of product `sourceProductKey`, or of the source split), by request `requestIndex` of the translated product's request log. */
  z.strictObject({ kind: z.literal('translation'), sourceRowId: z.string(), requestIndex: z.number().int().nonnegative(), sourceProductKey: z.string().optional() }),
]);
export type RowOrigin = z.infer<typeof rowOriginSchema>;

export const syntheticRowSchema = z.strictObject({
  id: z.string(),
  text: z.string(),
  /** Only for pair tasks (NLI): the hypothesis, `text` being the premise. */
  textPair: z.string().optional(),
  label: z.string(),
  /** Where the label came from: the prompt's label here; a teacher or annotator model later. */
  labelSource: z.string(),
  generator: z.string(),
  /** Provenance; absent in products made before it was recorded. */
  origin: rowOriginSchema.optional(),
  /** The judge's verdict on a kept row of a revised product. */
  judge: z.strictObject({ verdict: z.string(), reason: z.string(), reply: z.string() }).optional(),
  /** An imported row's metadata columns. */
  metadata: z.record(z.string(), z.string()).optional(),
  /** Study C: every LLM annotator's label for the row (null = an answer outside the labels) and its confidence where known. */
  annotations: z.record(z.string(), z.strictObject({ label: z.string().nullable(), confidence: z.number().optional() })).optional(),
});
export type SyntheticRow = z.infer<typeof syntheticRowSchema>;

/** How many rows carry each label. */
export function countByLabel(rows: readonly { label: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.label] = (counts[row.label] ?? 0) + 1;
  return counts;
}

/** The ML CLI's training/evaluation row. */
export const trainingRowSchema = z.strictObject({
  id: z.string(),
  text: z.string(),
  text_pair: z.string().optional(),
  label: z.string(),
});
export type TrainingRow = z.infer<typeof trainingRowSchema>;
