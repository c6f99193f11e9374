/**
 * The results table printed at the end of a sweep: macro-F1 and accuracy as mean ± std over
 * seeds per (task, language, strategy, generator), the gold baseline beside it, and the gap to
 * gold in macro-F1 points.
 */
import type { CellResult } from '../artifacts/results';
import { compareText } from '../shared/compare';
import type { ChanceReferences } from './chance';
import { meanAndStd } from './statistics';

export { meanAndStd } from './statistics';
import { CLEAR_MARGIN, goldClearlyAboveChance } from './chance';
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
  /** Gold rows: whether they clearly beat chance (undefined when the test split's counts are unknown). */
  goldAboveChance?: boolean;
  /** The task and language's chance references, on the gold row. */
  chance?: ChanceReferences;
}


/**
 * One row per (task, language, strategy, generator). With `chance` (keyed `task\0language`), gold rows
 * say whether they clearly beat chance, and a gap to a gold baseline that does not is left out: it
 * would compare with noise.
 */
export function summarize(cells: readonly CellResult[], chance: ReadonlyMap<string, ChanceReferences> = new Map()): SummaryRow[] {
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
    if (!isGoldBaseline(row)) continue;
    const references = chance.get(`${row.task}\u0000${row.language}`);
    if (!references) continue;
    row.chance = references;
    const goldScores = cells.filter((cell) => isGoldBaseline(cell) && cell.task === row.task && cell.language === row.language).map((cell) => cell.macroF1);
    row.goldAboveChance = goldClearlyAboveChance(goldScores, references);
  }
  for (const row of rows) {
    const gold = rows.find((other) => isGoldBaseline(other) && other.task === row.task && other.language === row.language);
    if (gold && !isGoldBaseline(row) && gold.goldAboveChance !== false) row.gapToGold = row.macroF1.mean - gold.macroF1.mean;
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
  const body: string[][] = [];
  const gapText = (row: SummaryRow) => {
    if (row.gapToGold !== undefined) return formatSignedPoints(row.gapToGold);
    const gold = rows.find((other) => isGoldBaseline(other) && other.task === row.task && other.language === row.language);
    return !isGoldBaseline(row) && gold?.goldAboveChance === false ? 'n/a (gold at chance)' : '—';
  };
  for (const row of rows) {
    body.push([
      row.task,
      row.language,
      row.strategy,
      row.generator,
      String(row.seeds),
      String(row.trainSize),
      formatMeanStd(row.macroF1),
      formatMeanStd(row.accuracy),
      gapText(row),
    ]);
    if (row.chance) {
      for (const [name, scores] of [['majority class', row.chance.majority], ['uniform guess', row.chance.uniform]] as const) {
        body.push([row.task, row.language, `(${name})`, '—', '—', '—', points(scores.macroF1), points(scores.accuracy), '—']);
      }
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const notes = rows
    .filter((row) => row.goldAboveChance === false)
    .map((row) => `note: the gold baseline of ${row.task} ${row.language} is not clearly above chance (needs +${points(CLEAR_MARGIN)} points and 2 std over the best reference); its gaps are not reported`);
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...body.map(line), ...notes].join('\n');
}
