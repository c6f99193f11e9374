/**
 * The results table printed at the end of a sweep: macro-F1 and accuracy as mean ± std over
 * seeds per (task, language, strategy, generator), the gold baseline beside it, and the gap to
 * gold in macro-F1 points.
 */
import type { CellResult } from '../artifacts/results';
import { compareText } from '../shared/compare';
import { compareStrategies, isGoldBaseline } from './gold-baseline';

export interface SummaryRow {
  kind: CellResult['kind'];
  task: string;
  language: string;
  strategy: string;
  generator: string;
  seeds: number;
  trainSize: number;
  macroF1: { mean: number; std: number };
  accuracy: { mean: number; std: number };
  gapToGold: number | undefined;
}

export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  // Sample standard deviation over seeds, as papers report it; 0 for a single seed.
  const variance = values.length > 1 ? values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

export function summarize(cells: readonly CellResult[]): SummaryRow[] {
  const groups = new Map<string, CellResult[]>();
  for (const cell of cells) {
    const key = [cell.task, cell.language, cell.strategy, cell.generator].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  const rows = [...groups.values()].map((group): SummaryRow => {
    const first = group[0] as CellResult;
    return {
      kind: first.kind,
      task: first.task,
      language: first.language,
      strategy: first.strategy,
      generator: first.generator,
      seeds: group.length,
      trainSize: Math.round(group.reduce((sum, cell) => sum + cell.trainSize, 0) / group.length),
      macroF1: meanAndStd(group.map((cell) => cell.macroF1)),
      accuracy: meanAndStd(group.map((cell) => cell.accuracy)),
      gapToGold: undefined,
    };
  });
  for (const row of rows) {
    const gold = rows.find((other) => isGoldBaseline(other) && other.task === row.task && other.language === row.language);
    if (gold && !isGoldBaseline(row)) row.gapToGold = row.macroF1.mean - gold.macroF1.mean;
  }
  return rows.sort(
    (left, right) =>
      compareText(left.task, right.task) ||
      compareText(left.language, right.language) ||
      compareStrategies(left, right) ||
      compareText(left.generator, right.generator),
  );
}

/** A fraction as points ×100 with one decimal ("0.4567" → "45.7"); "—" for NaN. */
export const points = (value: number): string => (Number.isFinite(value) ? (value * 100).toFixed(1) : '—');

/** `mean ± std` in points ×100, one decimal. */
export function formatMeanStd(stats: { mean: number; std: number }): string {
  return `${points(stats.mean)} ± ${points(stats.std)}`;
}

/** A signed difference in points ×100 ("+1.2", "-3.4"). */
export function formatSignedPoints(value: number): string {
  return `${value >= 0 ? '+' : ''}${points(value)}`;
}

export function formatSummaryTable(rows: readonly SummaryRow[]): string {
  const header = ['task', 'lang', 'strategy', 'generator', 'seeds', 'n_train', 'macro-F1', 'accuracy', 'gap to gold (F1)'];
  const body = rows.map((row) => [
    row.task,
    row.language,
    row.strategy,
    row.generator,
    String(row.seeds),
    String(row.trainSize),
    `${points(row.macroF1.mean)} ± ${points(row.macroF1.std)}`,
    `${points(row.accuracy.mean)} ± ${points(row.accuracy.std)}`,
    row.gapToGold === undefined ? '—' : `${row.gapToGold >= 0 ? '+' : ''}${points(row.gapToGold)}`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
