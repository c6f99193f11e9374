/**
 * The metrics artifact (`metrics.json`) the ML CLI's `predict` writes: the evaluate activities
 * store it, the report draws confusion matrices from it.
 */
import { z } from 'zod';

export const metricsSchema = z.looseObject({
  accuracy: z.number(),
  macro_f1: z.number(),
  per_class_f1: z.record(z.string(), z.number()),
  confusion_matrix: z.array(z.array(z.number().int())),
  labels: z.array(z.string()),
  n: z.number().int(),
  /** What the scores alone hide (a model that answers one label for every row, labels it never answers); absent before they were written. */
  warnings: z.array(z.string()).optional(),
});
