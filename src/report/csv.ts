/**
 * RFC 4180 CSV: fields holding a comma, a double quote, CR or LF (or leading/trailing spaces)
 * are quoted, with inner quotes doubled; records end with CRLF. Pure.
 */
import type { CellResult, DataProductResult } from '../artifacts/results';
import { compareText } from '../shared/compare';
import { compareStrategies } from './gold-baseline';

export type CsvValue = string | number | null | undefined;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

export const RUNS_CSV_HEADER = [
  'task',
  'language',
  'strategy',
  'generator',
  'seed',
  'kind',
  'n_train',
  'macro_f1',
  'accuracy',
  'best_epoch',
  'resumed_from_epoch',
  'metrics_uri',
  'metrics_sha256',
  'model_dir',
] as const;

/** One row per cell run, in a stable order (task, language, strategy with gold last, generator, seed). */
export function runsCsv(cells: readonly CellResult[]): string {
  const rows = sortCells(cells).map((cell) => [
    cell.task,
    cell.language,
    cell.strategy,
    cell.generator,
    cell.seed,
    cell.kind,
    cell.trainSize,
    cell.macroF1,
    cell.accuracy,
    cell.bestEpoch,
    cell.resumedFromEpoch,
    cell.metrics.uri,
    cell.metrics.sha256,
    cell.modelDir,
  ]);
  return toCsv(RUNS_CSV_HEADER, rows);
}

export const DATA_PRODUCTS_CSV_HEADER = [
  'data_product',
  'label',
  'requested',
  'parsed',
  'unique',
  'rejected_by_judge',
  'removed_as_duplicates',
  'kept',
  'shortfall',
] as const;

/** One row per (data product, label); a count the stage did not report for a label is 0. */
export function dataProductsCsv(products: readonly Pick<DataProductResult, 'key' | 'counts'>[]): string {
  const rows: CsvValue[][] = [];
  for (const product of [...products].sort((left, right) => compareText(left.key, right.key))) {
    const { counts } = product;
    const labels = new Set<string>();
    for (const byLabel of Object.values(counts)) for (const label of Object.keys(byLabel)) labels.add(label);
    for (const label of [...labels].sort(compareText)) {
      rows.push([
        product.key,
        label,
        counts.requested[label] ?? 0,
        counts.parsed[label] ?? 0,
        counts.unique[label] ?? 0,
        counts.rejectedByJudge[label] ?? 0,
        counts.removedAsDuplicates[label] ?? 0,
        counts.kept[label] ?? 0,
        counts.shortfall[label] ?? 0,
      ]);
    }
  }
  return toCsv(DATA_PRODUCTS_CSV_HEADER, rows);
}

export function sortCells(cells: readonly CellResult[]): CellResult[] {
  return [...cells].sort(
    (left, right) =>
      compareText(left.task, right.task) ||
      compareText(left.language, right.language) ||
      compareStrategies(left, right) ||
      compareText(left.generator, right.generator) ||
      left.seed - right.seed,
  );
}
