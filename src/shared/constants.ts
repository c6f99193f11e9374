/**
 * Names shared by clients, workers and workflows. Imported by workflow code, so nothing here may
 * touch Node built-ins.
 */
export const TASK_QUEUES = {
  /** LLM calls and data stages. */
  cpu: 'cpu',
  /** Training, prediction and embedding (the Python ML CLI). */
  gpu: 'gpu',
} as const;

/** Custom search attributes registered on the dev server, with their Temporal value types. */
export const SEARCH_ATTRIBUTES = {
  SweepId: 'Keyword',
  Task: 'Keyword',
  Language: 'Keyword',
  /**
   * LANGUAGE is a reserved word of the server's SQL-like query parser, which lowercases it: the
   * query `Language='cy'` looks up an attribute named `language`. Registering that alias (set
   * together with `Language`) makes the natural query work, in the UI and in `temporal workflow list`.
   */
  language: 'Keyword',
  Strategy: 'Keyword',
  GeneratorModel: 'Keyword',
  Seed: 'Int',
  Stage: 'Keyword',
  CellStatus: 'Keyword',
  /** A completed cell's test macro-F1 (0–1): `MacroF1 > 0.3`, and sortable, in the UI and in `temporal workflow list`. */
  MacroF1: 'Double',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

export const DEFAULT_NAMESPACE = 'default';
