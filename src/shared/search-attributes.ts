/** Typed search-attribute keys for sweeps and cells. Workflow-safe. */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const SweepIdKey = defineSearchAttributeKey('SweepId', SearchAttributeType.KEYWORD);
export const TaskKey = defineSearchAttributeKey('Task', SearchAttributeType.KEYWORD);
export const LanguageKey = defineSearchAttributeKey('Language', SearchAttributeType.KEYWORD);
/** Alias of Language for queries: see SEARCH_ATTRIBUTES in constants.ts. */
export const LanguageQueryAliasKey = defineSearchAttributeKey('language', SearchAttributeType.KEYWORD);
export const StrategyKey = defineSearchAttributeKey('Strategy', SearchAttributeType.KEYWORD);
export const GeneratorModelKey = defineSearchAttributeKey('GeneratorModel', SearchAttributeType.KEYWORD);
export const SeedKey = defineSearchAttributeKey('Seed', SearchAttributeType.INT);
export const StageKey = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);
export const CellStatusKey = defineSearchAttributeKey('CellStatus', SearchAttributeType.KEYWORD);
/** Set once, when a cell completes. */
export const MacroF1Key = defineSearchAttributeKey('MacroF1', SearchAttributeType.DOUBLE);

export interface CellLabels {
  sweepId: string;
  task: string;
  language: string;
  strategy: string;
  generator: string;
  seed?: number;
}

export function searchAttributesFor(labels: CellLabels, stage: string): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: SweepIdKey, value: labels.sweepId },
    { key: TaskKey, value: labels.task },
    { key: LanguageKey, value: labels.language },
    { key: LanguageQueryAliasKey, value: labels.language },
    { key: StrategyKey, value: labels.strategy },
    { key: GeneratorModelKey, value: labels.generator },
    { key: StageKey, value: stage },
    { key: CellStatusKey, value: 'running' },
  ];
  if (labels.seed !== undefined) pairs.push({ key: SeedKey, value: labels.seed });
  return pairs;
}
