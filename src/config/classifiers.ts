/** LLMs as classifiers (study B): names shared by the schema, the plan and the report. Pure and workflow-safe. */

export const CLASSIFIER_MODES = ['zero-shot', 'in-context'] as const;
export type ClassifierMode = (typeof CLASSIFIER_MODES)[number];

/** `zero-shot` or `in-context-k8`: the classifier's mode as it appears in cell keys and tables. */
export function classifierVariant(classifier: { mode: ClassifierMode; examplesPerLabel?: number | undefined }): string {
  return classifier.mode === 'in-context' ? `in-context-k${classifier.examplesPerLabel ?? 0}` : classifier.mode;
}
