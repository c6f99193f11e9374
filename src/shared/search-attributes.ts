/**
 * synthlab's custom search attributes, defined once: workflows set them, the dev server registers
 * them (src/infra/dev-server.ts), `sweep show` prints them. Workflow-safe.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { STAGE_ATTRIBUTE_NAME } from './search-attribute-names';

export const SweepIdKey = defineSearchAttributeKey('SweepId', SearchAttributeType.KEYWORD);
export const TaskKey = defineSearchAttributeKey('Task', SearchAttributeType.KEYWORD);
export const LanguageKey = defineSearchAttributeKey('Language', SearchAttributeType.KEYWORD);
/**
 * LANGUAGE is a reserved word of the server's SQL-like query parser, which lowercases it: the
 * query `Language='cy'` looks up an attribute named `language`. Registering that alias (set
 * together with `Language`) makes the natural query work, in the UI and in `temporal workflow list`.
 */
export const LanguageQueryAliasKey = defineSearchAttributeKey('language', SearchAttributeType.KEYWORD);
export const StrategyKey = defineSearchAttributeKey('Strategy', SearchAttributeType.KEYWORD);
export const GeneratorModelKey = defineSearchAttributeKey('GeneratorModel', SearchAttributeType.KEYWORD);
export const SeedKey = defineSearchAttributeKey('Seed', SearchAttributeType.INT);
export const StageKey = defineSearchAttributeKey(STAGE_ATTRIBUTE_NAME, SearchAttributeType.KEYWORD);
export const CellStatusKey = defineSearchAttributeKey('CellStatus', SearchAttributeType.KEYWORD);
/** Set once, when a cell completes. */
export const MacroF1Key = defineSearchAttributeKey('MacroF1', SearchAttributeType.DOUBLE);

/** Every custom search attribute synthlab sets; the dev server registers exactly these. */
export const SEARCH_ATTRIBUTE_KEYS = [
  SweepIdKey,
  TaskKey,
  LanguageKey,
  LanguageQueryAliasKey,
  StrategyKey,
  GeneratorModelKey,
  SeedKey,
  StageKey,
  CellStatusKey,
  MacroF1Key,
] as const;

/** The names a person reads (all but the query alias). */
export const DISPLAYED_SEARCH_ATTRIBUTE_NAMES: readonly string[] = SEARCH_ATTRIBUTE_KEYS.filter((key) => key !== LanguageQueryAliasKey).map((key) => key.name);

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
