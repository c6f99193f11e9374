/**
 * The names study D's settings may take: selection methods, the label kinds a cell trains on, the
 * annotators of a data product and the baselines. Pure: the plan (workflow code) imports them.
 * `SELECTION_METHOD_NAMES` mirrors `SELECTION_METHODS` of src/stages/selection (the config layer
 * cannot import stages); tests/unit/study-d-config.test.ts checks that the two lists agree.
 */

export const SELECTION_METHOD_NAMES = ['rand', 'top', 'div', 'easy', 'amb'] as const;
export type SelectionMethodName = (typeof SELECTION_METHOD_NAMES)[number];

/** Where a cell's training labels come from: the prompt's label, or the teacher's hard or soft labels. */
export const LABEL_KINDS = ['prompt', 'teacher-hard', 'teacher-soft'] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];

export const ANNOTATORS = ['prompt', 'teacher'] as const;
export type Annotator = (typeof ANNOTATORS)[number];

/** SRC: the source data only; GEN: random generations with the prompt's labels; SRC+GEN: both. */
export const BASELINE_NAMES = ['SRC', 'GEN', 'SRC+GEN'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** Selection methods that read the teacher's probabilities. */
export function methodNeedsTeacher(method: SelectionMethodName): boolean {
  return method === 'top' || method === 'easy' || method === 'amb';
}

/** Selection methods that read per-epoch probabilities (dataset cartography). */
export function methodNeedsEpochs(method: SelectionMethodName): boolean {
  return method === 'easy' || method === 'amb';
}

export function labelKindNeedsTeacher(kind: LabelKind): boolean {
  return kind !== 'prompt';
}

/** The config fields that turn study D on (the config's own type lives in schema.ts, which loads zod). */
interface StudyDSettingsView {
  teacher?: unknown;
  annotation?: unknown;
  baselines?: unknown;
  selection: { methods?: unknown; labels?: unknown; embedding?: unknown; withSource?: unknown; sourcePerLabel?: unknown; regimes?: unknown };
  tasks: readonly { evaluation?: unknown }[];
}

/** Whether a config uses any of study D's settings: then cells are keyed and run the study D way. */
export function usesStudyD(config: StudyDSettingsView): boolean {
  const selection = config.selection;
  return (
    config.teacher !== undefined ||
    config.annotation !== undefined ||
    config.baselines !== undefined ||
    selection.methods !== undefined ||
    selection.labels !== undefined ||
    selection.embedding !== undefined ||
    selection.withSource !== undefined ||
    selection.sourcePerLabel !== undefined ||
    selection.regimes !== undefined ||
    config.tasks.some((task) => task.evaluation !== undefined)
  );
}
