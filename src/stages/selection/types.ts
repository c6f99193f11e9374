/** The shapes of study D's selection (design contract 2): a pool of annotated generations in, row indices out. */

export const SELECTION_METHODS = ['rand', 'top', 'div', 'easy', 'amb'] as const;
export type SelectionMethod = (typeof SELECTION_METHODS)[number];

export interface SelectionPool {
  /** N rows, in artifact order. */
  ids: readonly string[];
  /** N, index into labels: the label the prompt asked for. */
  promptLabels: readonly number[];
  /** C */
  labels: readonly string[];
  /** Teacher probabilities per epoch checkpoint: E arrays of N*C (row-major), last = final epoch. Needed by easy and amb. */
  epochProbabilities?: readonly Float32Array[];
  /** The best checkpoint's probabilities, N*C row-major. Needed by top, and by div to pick within a cluster. */
  best?: Float32Array;
  /** L2-normalised embeddings, N*D row-major. Needed by div and by the diversity score. */
  embeddings?: Float32Array;
  dimension?: number;
}

export interface SelectionOptions {
  method: SelectionMethod;
  /** k: rows wanted per prompt label. */
  perLabel: number;
  seed: number;
  /** div: k-means clusters per label (the paper's 25). */
  clustersPerLabel: number;
}

export interface Selection {
  /** Selected rows, grouped by label in labels order. */
  indices: number[];
  /** k minus what a label had (never a silent smaller set). */
  shortfallByLabel: Record<string, number>;
}
