/**
 * Groups cell results per task into study-A-shaped tables: rows strategy × generator, columns
 * languages, mean ± std over seeds (via `meanAndStd`), the gold baseline and the gap to gold.
 * Pure.
 */
import type { CellResult } from '../artifacts/results';
import { compareText } from '../shared/compare';
import { goldClearlyAboveChance, type ChanceReferences } from './chance';
import { isGoldBaseline } from './gold-baseline';
import { meanAndStd } from './statistics';

export interface MeanStd {
  mean: number;
  std: number;
}

export interface LanguageStats {
  macroF1: MeanStd;
  accuracy: MeanStd;
  seeds: number;
}

export interface StrategyRow {
  strategy: string;
  generator: string;
  byLanguage: Record<string, LanguageStats>;
  /** Strategy mean minus gold mean (macro-F1, as a fraction), per language where both exist. */
  gapByLanguage: Record<string, number>;
  /** Mean of `gapByLanguage` over the languages that have one. */
  averageGap: number | undefined;
}

export interface TaskResults {
  task: string;
  languages: string[];
  rows: StrategyRow[];
  gold: Record<string, LanguageStats>;
  /** Majority-class and uniform-guess scores per language, where the test split's counts are known. */
  chance: Record<string, ChanceReferences>;
  /** Languages whose gold baseline does not clearly beat chance: no gap to gold is computed there. */
  goldAtChance: string[];
}

function stats(cells: readonly CellResult[]): LanguageStats {
  return {
    macroF1: meanAndStd(cells.map((cell) => cell.macroF1)),
    accuracy: meanAndStd(cells.map((cell) => cell.accuracy)),
    seeds: cells.length,
  };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** `chance` is keyed `task\0language` (see report/load-chance). */
export function aggregateByTask(cells: readonly CellResult[], chanceByTaskLanguage: ReadonlyMap<string, ChanceReferences> = new Map()): TaskResults[] {
  const byTask = groupBy(cells, (cell) => cell.task);
  return [...byTask.keys()].sort(compareText).map((task): TaskResults => {
    const taskCells = byTask.get(task) ?? [];
    const languages = [...new Set(taskCells.map((cell) => cell.language))].sort(compareText);
    const gold: Record<string, LanguageStats> = {};
    for (const [language, group] of groupBy(
      taskCells.filter(isGoldBaseline),
      (cell) => cell.language,
    )) {
      gold[language] = stats(group);
    }
    const chance: Record<string, ChanceReferences> = {};
    const goldAtChance: string[] = [];
    for (const language of languages) {
      const references = chanceByTaskLanguage.get(`${task}\u0000${language}`);
      if (!references) continue;
      chance[language] = references;
      const goldScores = taskCells.filter((cell) => isGoldBaseline(cell) && cell.language === language).map((cell) => cell.macroF1);
      if (goldScores.length > 0 && !goldClearlyAboveChance(goldScores, references)) goldAtChance.push(language);
    }
    const synthetic = groupBy(
      taskCells.filter((cell) => !isGoldBaseline(cell)),
      (cell) => `${cell.strategy}\u0000${cell.generator}`,
    );
    const rows = [...synthetic.values()].map((group): StrategyRow => {
      const first = group[0] as CellResult;
      const byLanguage: Record<string, LanguageStats> = {};
      const gapByLanguage: Record<string, number> = {};
      for (const [language, languageCells] of groupBy(group, (cell) => cell.language)) {
        const languageStats = stats(languageCells);
        byLanguage[language] = languageStats;
        const goldStats = gold[language];
        if (goldStats && !goldAtChance.includes(language)) gapByLanguage[language] = languageStats.macroF1.mean - goldStats.macroF1.mean;
      }
      const gaps = Object.values(gapByLanguage);
      return {
        strategy: first.strategy,
        generator: first.generator,
        byLanguage,
        gapByLanguage,
        averageGap: gaps.length > 0 ? meanAndStd(gaps).mean : undefined,
      };
    });
    rows.sort((left, right) => compareText(left.strategy, right.strategy) || compareText(left.generator, right.generator));
    return { task, languages, rows, gold, chance, goldAtChance };
  });
}

export interface GapChartData {
  groups: string[];
  series: string[];
  bars: { series: string; group: string; gap: number; error?: number }[];
}

/**
 * Bars for the gap-to-gold chart, in macro-F1 points: one group per language (task/language when
 * there are several tasks) with the std over seeds of the strategy's macro-F1 as error bar, plus an
 * `average` group (mean over languages, error bar = std across languages) when there are several.
 */
export function gapChartData(results: readonly TaskResults[]): GapChartData {
  const several = results.length > 1;
  const groups: string[] = [];
  const series: string[] = [];
  const bars: GapChartData['bars'] = [];
  const gapsBySeries = new Map<string, number[]>();
  for (const task of results) {
    for (const language of task.languages) {
      const group = several ? `${task.task}/${language}` : language;
      let used = false;
      for (const row of task.rows) {
        const gap = row.gapByLanguage[language];
        if (gap === undefined) continue;
        const name = `${row.strategy} · ${row.generator}`;
        if (!series.includes(name)) series.push(name);
        bars.push({ series: name, group, gap: gap * 100, error: (row.byLanguage[language]?.macroF1.std ?? 0) * 100 });
        gapsBySeries.set(name, [...(gapsBySeries.get(name) ?? []), gap * 100]);
        used = true;
      }
      if (used) groups.push(group);
    }
  }
  if (groups.length > 1) {
    groups.push('average');
    for (const [name, gaps] of gapsBySeries) {
      const { mean, std } = meanAndStd(gaps);
      bars.push({ series: name, group: 'average', gap: mean, error: std });
    }
  }
  return { groups, series, bars };
}
