/**
 * Translate-train's activity contract: a translated data product's rows are made from the task's
 * source train split or another product's kept rows. Rows travel as artifacts; the history
 * carries references and counts.
 */
import { z } from 'zod';
import { artifactRefSchema } from '../artifacts/ref';
import { llmUsageSchema } from '../artifacts/results';
import { generatorSchema, samplingSchema } from '../config/schema';
import { DatasetSpecSchema } from '../data/dataset-spec';

const countsByLabelSchema = z.record(z.string(), z.number().int().nonnegative());

export const translationFromSchema = z.discriminatedUnion('kind', [
  /** Rows of the task's source train split (a seeded class-balanced draw of `perLabel`, or all). */
  z.strictObject({ kind: z.literal('source'), split: z.literal('train'), perLabel: z.number().int().positive().optional(), seed: z.number().int() }),
  /** The kept rows of a finished data product. */
  z.strictObject({ kind: z.literal('product'), productKey: z.string().min(1), dataset: artifactRefSchema }),
]);

export const translateRowsInputSchema = z.strictObject({
  productKey: z.string().min(1),
  dataRoot: z.string(),
  /** The task's dataset: its labels, whether it has text pairs, and (for `source`) its train split. */
  dataset: DatasetSpecSchema,
  sourceLanguage: z.string(),
  targetLanguage: z.string(),
  from: translationFromSchema,
  translator: generatorSchema,
  translation: z.strictObject({
    prompt: z.string().min(1),
    /** The sha256 the plan keyed the product with: a prompt file changed since is refused. */
    promptSha256: z.string().regex(/^[0-9a-f]{64}$/),
    textsPerRequest: z.number().int().positive(),
    sampling: samplingSchema,
  }),
});
export type TranslateRowsInput = z.infer<typeof translateRowsInputSchema>;

export const translationDropsSchema = z.strictObject({
  empty: z.number().int().nonnegative(),
  garbled: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  wrong_script: z.number().int().nonnegative(),
});
export type TranslationDrops = z.infer<typeof translationDropsSchema>;

export const translateRowsOutputSchema = z.strictObject({
  /** JSONL candidates: id (the source row's), label, text, textPair?, labelSource, origin {kind: translation, …}. */
  candidates: artifactRefSchema,
  /** JSONL, one line per request: index, the source row ids, the prompt, the raw reply, finish reason, usage. */
  requests: artifactRefSchema,
  /** JSONL of the source rows whose translation was dropped, with the reason and the reply's line. */
  dropped: artifactRefSchema,
  /** An empty demo set (JSON {}) for dedupe: a translation has no demos to hold out. */
  demos: artifactRefSchema,
  /** sha256 of the source rows as translated (id, text, pair, label, in order): recorded with the product. */
  sourceRowsSha256: z.string(),
  sourceRows: z.number().int().nonnegative(),
  translatedByLabel: countsByLabelSchema,
  droppedByLabel: countsByLabelSchema,
  droppedByReason: translationDropsSchema,
  llmCalls: z.number().int().nonnegative(),
  usage: llmUsageSchema,
});
export type TranslateRowsOutput = z.infer<typeof translateRowsOutputSchema>;
