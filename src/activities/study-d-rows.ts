/** The rows study D's annotate and select stages read from a data product, and the ML CLI's row they write. */
import { z } from 'zod';
import type { TrainingRow } from './rows';

/** A data product's annotated row; a text pair (NLI) may be spelled `text_pair` or `textPair`. */
export const annotatedRowSchema = z.looseObject({
  id: z.string(),
  text: z.string(),
  text_pair: z.string().optional(),
  textPair: z.string().optional(),
  label: z.string(),
});
export type AnnotatedRow = z.infer<typeof annotatedRowSchema>;

/** The ML CLI's row: id, text, the pair when there is one, the label. */
export function mlRowOf(row: AnnotatedRow): TrainingRow {
  const pair = row.text_pair ?? row.textPair;
  return { id: row.id, text: row.text, ...(pair === undefined ? {} : { text_pair: pair }), label: row.label };
}

/** A study D training row: a hard label or a soft one, and which part of the training set it is. */
export interface StudyTrainingRow {
  id: string;
  text: string;
  text_pair?: string;
  label: string;
  /** Probabilities in the labels' order (the teacher's soft label); trained with KL divergence. */
  soft_label?: number[];
  part: 'gold' | 'synthetic';
}
