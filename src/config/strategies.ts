/**
 * Generation strategies as composable settings, with the named presets of study A.
 * Pure: imported by workflow code.
 */

export type DemoSource = 'none' | 'target' | 'english';

export interface StrategySettings {
  demos: DemoSource;
  summarizedLabel: boolean;
  revision: boolean;
  /**
   * Study C: the prompt asks for texts of the task's domain without a label; an annotator labels
   * them (annotation.llmAnnotators). Set only on the Unlabelled preset, so the other presets'
   * settings (hashed into product keys) stay as they were.
   */
  unlabelled?: true;
}

export const STRATEGY_PRESETS = {
  SL: { demos: 'none', summarizedLabel: true, revision: false },
  'EnglishDemos+SL': { demos: 'english', summarizedLabel: true, revision: false },
  'EnglishDemos+Revision': { demos: 'english', summarizedLabel: false, revision: true },
  TargetDemos: { demos: 'target', summarizedLabel: false, revision: false },
  'TargetDemos+SL': { demos: 'target', summarizedLabel: true, revision: false },
  'TargetDemos+Revision': { demos: 'target', summarizedLabel: false, revision: true },
  'TargetDemos+SL+Revision': { demos: 'target', summarizedLabel: true, revision: true },
  /** Study D: no demos, no label summaries; the task and domain description alone. */
  TaskOnly: { demos: 'none', summarizedLabel: false, revision: false },
  /** Study C: texts of the task's domain with no label asked for; an annotator labels them. */
  Unlabelled: { demos: 'none', summarizedLabel: false, revision: false, unlabelled: true },
} as const satisfies Record<string, StrategySettings>;

export type StrategyName = keyof typeof STRATEGY_PRESETS;

export const STRATEGY_NAMES = Object.keys(STRATEGY_PRESETS) as StrategyName[];

export function strategySettings(name: StrategyName): StrategySettings {
  return STRATEGY_PRESETS[name];
}

export interface GenerationPromptFiles {
  targetDemos: string;
  englishDemos: string;
  summarizedLabel: string;
  taskOnly?: string | undefined;
  unlabelled?: string | undefined;
}

/** The TaskOnly template when `generation.prompts.taskOnly` is not set. */
export const DEFAULT_TASK_ONLY_PROMPT = 'prompts/generate/task-only.v1.md';

/** The Unlabelled template when `generation.prompts.unlabelled` is not set (single texts; pair tasks set the pairs variant). */
export const DEFAULT_UNLABELLED_PROMPT = 'prompts/generate/unlabelled.v1.md';

/** The config field that names a strategy's generation template. */
export function generationPromptField(settings: StrategySettings): keyof GenerationPromptFiles {
  if (settings.unlabelled === true) return 'unlabelled';
  if (settings.demos === 'target') return 'targetDemos';
  if (settings.demos === 'english') return 'englishDemos';
  return settings.summarizedLabel ? 'summarizedLabel' : 'taskOnly';
}

/** The generation template for a strategy: by its demos; without demos, the label summaries (SL) or the task alone (TaskOnly). */
export function generationPromptFile(settings: StrategySettings, prompts: GenerationPromptFiles): string {
  const field = generationPromptField(settings);
  if (field === 'unlabelled') return prompts.unlabelled ?? DEFAULT_UNLABELLED_PROMPT;
  return field === 'taskOnly' ? (prompts.taskOnly ?? DEFAULT_TASK_ONLY_PROMPT) : prompts[field];
}
