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

/** Config `model` values naming a model shipped in the ML venv: `packaged:<name>` (encoders and GGUF chat models). */
export const PACKAGED_MODEL_PREFIX = 'packaged:';

export const DEFAULT_NAMESPACE = 'default';
