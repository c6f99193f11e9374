/**
 * The one-line summaries that sweeps, data products and cells show in the Temporal UI and in
 * `temporal workflow describe`. A title (what the workflow is) is known when it starts and becomes
 * its static summary; the line with the outcome (macro-F1, kept/rejected counts, progress) is
 * known only at the end. Pure and workflow-safe.
 */

/** Separates the parts of a title; `→` separates a title from its outcome. */
const PART = ' · ';

export interface CellTitleParts {
  /** `classifier`: an LLM asked for each test row's label (study B); strategy is its mode, generator its name. */
  kind: 'synthetic' | 'gold' | 'classifier';
  task: string;
  language: string;
  strategy: string;
  generator: string;
  seed: number;
}

/** `sib200 · cy · TargetDemos · smollm2-135m · seed 1`; a gold cell has no generator: `sib200 · cy · gold · seed 1`. */
export function cellTitle(cell: CellTitleParts): string {
  const parts = cell.kind === 'gold' ? [cell.task, cell.language, 'gold'] : [cell.task, cell.language, cell.strategy, cell.generator];
  return [...parts, `seed ${cell.seed}`].join(PART);
}

/** Macro-F1 in points with one decimal, as papers print it: 0.6123 → `61.2`. */
export function formatPoints(fraction: number): string {
  return (fraction * 100).toFixed(1);
}

/** `sib200 · cy · TargetDemos · smollm2-135m · seed 1 → macro-F1 61.2` */
export function cellSummary(cell: CellTitleParts, macroF1: number): string {
  return `${cellTitle(cell)} → macro-F1 ${formatPoints(macroF1)}`;
}

export interface DataProductTitleParts {
  task: string;
  language: string;
  strategy: string;
  generatorName: string;
}

/** `sib200 · cy · TargetDemos · smollm2-135m` */
export function dataProductTitle(product: DataProductTitleParts): string {
  return [product.task, product.language, product.strategy, product.generatorName].join(PART);
}

export interface DataProductTotals {
  kept: Record<string, number>;
  rejectedByJudge: Record<string, number>;
  shortfall: Record<string, number>;
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** `sib200 · cy · TargetDemos · smollm2-135m → kept 70, rejected 12` (and `, short 3` when the quota was not met). */
export function dataProductSummary(product: DataProductTitleParts, counts: DataProductTotals): string {
  const shortfall = total(counts.shortfall);
  const outcome = `kept ${total(counts.kept)}, rejected ${total(counts.rejectedByJudge)}${shortfall > 0 ? `, short ${shortfall}` : ''}`;
  return `${dataProductTitle(product)} → ${outcome}`;
}

export interface StageTotals {
  total: number;
  done: number;
  running: number;
  failed: number;
}

/** `demo · 2 data products, 6 cells`: what the sweep will run, known when it starts. */
export function sweepTitle(name: string, totals: { dataProducts: number; cells: number }): string {
  return `${name}${PART}${totals.dataProducts} data products, ${totals.cells} cells`;
}

/** `cells 3/6 done, 1 failed, 2 running · data products 2/2 done · run 1`: the sweep's progress while it runs. */
export function sweepProgressLine(progress: { cells: StageTotals; dataProducts: StageTotals; run: number }): string {
  const stage = (name: string, counts: StageTotals) =>
    `${name} ${counts.done}/${counts.total} done${counts.failed > 0 ? `, ${counts.failed} failed` : ''}${counts.running > 0 ? `, ${counts.running} running` : ''}`;
  return [stage('cells', progress.cells), stage('data products', progress.dataProducts), `run ${progress.run}`].join(PART);
}

/** `demo → cells 6/6 completed, 0 failed · data products 2/2 · 1 run`: the sweep's line once it has finished. */
export function sweepSummary(
  name: string,
  result: { cells: { total: number; completed: number; failed: number }; dataProducts: { total: number; completed: number }; runs: number },
): string {
  return (
    `${name} → cells ${result.cells.completed}/${result.cells.total} completed, ${result.cells.failed} failed` +
    `${PART}data products ${result.dataProducts.completed}/${result.dataProducts.total}${PART}${result.runs} run${result.runs === 1 ? '' : 's'}`
  );
}
