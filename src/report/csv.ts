/**
 * The report's CSV files through csv-stringify: RFC 4180, records end with CRLF, and a field is
 * quoted when it holds a comma, a double quote, CR or LF, or leading/trailing spaces (inner quotes
 * doubled). Pure.
 */
import { stringify, type Options } from 'csv-stringify/sync';
import type { CellResult, DataProductResult } from '../artifacts/results';
import { compareText } from '../shared/compare';
import { compareStrategies } from './gold-baseline';

export type CsvValue = string | number | null | undefined;

const CSV_OPTIONS = {
  record_delimiter: '\r\n',
  // csv-stringify quotes only its own record delimiter (CRLF); a lone CR or LF, or edge spaces
  // that a reader might trim, are quoted as well.
  quoted_match: /[\r\n]|^\s|\s$/,
  // NaN and infinities are blank cells, not text a spreadsheet would read as a word.
  cast: { number: (value: number) => (Number.isFinite(value) ? String(value) : '') },
} satisfies Options;

/** One field as it appears in the CSV. */
export function csvField(value: CsvValue): string {
  return stringify([[value]], { ...CSV_OPTIONS, eof: false });
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return stringify([header, ...rows], CSV_OPTIONS);
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
