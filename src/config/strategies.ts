/**
 * Generation strategies as composable settings, with the named presets of study A.
 * Pure: imported by workflow code.
 */

export type DemoSource = 'none' | 'target' | 'english';

export interface StrategySettings {
  demos: DemoSource;
  summarizedLabel: boolean;
  revision: boolean;
}

export const STRATEGY_PRESETS = {
  SL: { demos: 'none', summarizedLabel: true, revision: false },
  'EnglishDemos+SL': { demos: 'english', summarizedLabel: true, revision: false },
  'EnglishDemos+Revision': { demos: 'english', summarizedLabel: false, revision: true },
  TargetDemos: { demos: 'target', summarizedLabel: false, revision: false },
  'TargetDemos+SL': { demos: 'target', summarizedLabel: true, revision: false },
  'TargetDemos+Revision': { demos: 'target', summarizedLabel: false, revision: true },
  'TargetDemos+SL+Revision': { demos: 'target', summarizedLabel: true, revision: true },
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
}

/** The generation template for a strategy: by its demos; SL alone has no demos, only the description. */
export function generationPromptFile(settings: StrategySettings, prompts: GenerationPromptFiles): string {
  if (settings.demos === 'target') return prompts.targetDemos;
  if (settings.demos === 'english') return prompts.englishDemos;
  return prompts.summarizedLabel;
}
