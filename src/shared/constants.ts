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

/**
 * What one child still running when the sweep stops starting new ones can add to the sweep's history
 * before it continues as new: its started and closed events and a workflow task (5 events, about
 * 1.3 KB when measured with failures' messages), with room to spare.
 */
export const DRAIN_PER_CHILD = { events: 8, bytes: 4 * 1024 } as const;
