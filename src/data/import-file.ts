/**
 * Imported generations: rows of a CSV, TSV or JSON-lines file that stand in for an LLM's output
 * (for instance the synthetic data a published study released). Pure: the file's bytes in, the
 * rows with their line numbers out, or the first problem found, named by line.
 */
import { decodeUtf8Strict, TextEncodingError } from './text-encoding';
import { parseCsv, splitTsv, TableSyntaxError, type TableRecord } from './table-parsers';

export const IMPORT_FORMATS = ['csv', 'tsv', 'jsonl'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Which column (CSV/TSV header) or key (JSON lines) holds each field. */
export interface ImportColumns {
  text: string;
  textPair?: string | undefined;
  label: string;
  /** Where the file says the label came from (`prompt`, `annotator`, …); default `import`. */
  labelSource?: string | undefined;
  /** Columns kept as string metadata on each row. */
  metadata?: readonly string[] | undefined;
}

export const DEFAULT_IMPORT_COLUMNS: ImportColumns = { text: 'text', label: 'label' };

export interface ImportedRow {
  /** 1-based line of the file on which the row starts. */
  line: number;
  text: string;
  textPair?: string;
  label: string;
  labelSource: string;
  metadata?: Record<string, string>;
}

export interface ImportReadOptions {
  format: ImportFormat;
  columns: ImportColumns;
  /** The task's labels: any other label is a problem. */
  labels: readonly string[];
  /** The task has text pairs (NLI): a text pair column is required and must be non-empty. */
  pairs: boolean;
}

/** A problem with the file: the line it is on (0 for the whole file) and what is wrong. */
export class ImportFileError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(line > 0 ? `line ${line}: ${problem}` : problem);
    this.name = 'ImportFileError';
  }
}

/** The format a path's extension names, if any. */
export function importFormatOf(path: string): ImportFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.tsv')) return 'tsv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return undefined;
}

/** Every row of the file, or an ImportFileError for the first bad one. */
export function readImportRows(content: Buffer, options: ImportReadOptions): ImportedRow[] {
  let text: string;
  try {
    text = decodeUtf8Strict(content);
  } catch (error) {
    if (error instanceof TextEncodingError) throw new ImportFileError(0, error.message);
    throw error;
  }
  const records = options.format === 'jsonl' ? jsonRecords(text) : tableRecords(text, options.format);
  const rows = records.map((record) => rowOf(record, options));
  if (rows.length === 0) throw new ImportFileError(0, 'has no rows');
  return rows;
}

interface FieldRecord {
  line: number;
  fields: Record<string, unknown>;
}

function tableRecords(text: string, format: 'csv' | 'tsv'): FieldRecord[] {
  let records: TableRecord[];
  try {
    records = format === 'csv' ? parseCsv(text) : splitTsv(text);
  } catch (error) {
    if (error instanceof TableSyntaxError) throw new ImportFileError(error.line, error.problem);
    throw error;
  }
  const [header, ...body] = records;
  if (header === undefined) throw new ImportFileError(0, 'is empty: a header row is needed');
  return body.map((record) => {
    if (record.fields.length !== header.fields.length) {
      throw new ImportFileError(record.line, `has ${record.fields.length} fields, the header has ${header.fields.length}`);
    }
    return { line: record.line, fields: Object.fromEntries(header.fields.map((name, index) => [name, record.fields[index]])) };
  });
}

function jsonRecords(text: string): FieldRecord[] {
  const records: FieldRecord[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((content, index) => {
    if (content.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch {
      throw new ImportFileError(index + 1, 'is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ImportFileError(index + 1, 'is not a JSON object');
    records.push({ line: index + 1, fields: value as Record<string, unknown> });
  });
  return records;
}

function stringField(record: FieldRecord, name: string, required: boolean): string | undefined {
  const value = record.fields[name];
  if (value === undefined || value === null) {
    if (required) throw new ImportFileError(record.line, `has no "${name}"`);
    return undefined;
  }
  if (typeof value !== 'string') throw new ImportFileError(record.line, `"${name}" is not a string`);
  return value;
}

function rowOf(record: FieldRecord, options: ImportReadOptions): ImportedRow {
  const { columns } = options;
  const text = stringField(record, columns.text, true) ?? '';
  if (text.trim() === '') throw new ImportFileError(record.line, `"${columns.text}" is empty`);
  const label = stringField(record, columns.label, true) ?? '';
  if (!options.labels.includes(label)) {
    throw new ImportFileError(record.line, `unknown label ${JSON.stringify(label)}; valid labels: ${options.labels.join(', ')}`);
  }
  const row: ImportedRow = { line: record.line, text, label, labelSource: 'import' };
  const pairColumn = columns.textPair ?? (options.pairs ? 'text_pair' : undefined);
  if (pairColumn !== undefined) {
    const pair = stringField(record, pairColumn, options.pairs);
    if (options.pairs && (pair ?? '').trim() === '') throw new ImportFileError(record.line, `"${pairColumn}" is empty, and the task has text pairs`);
    if (pair !== undefined) row.textPair = pair;
  }
  if (columns.labelSource !== undefined) {
    const source = stringField(record, columns.labelSource, false);
    if (source !== undefined && source !== '') row.labelSource = source;
  }
  if (columns.metadata !== undefined && columns.metadata.length > 0) {
    const metadata: Record<string, string> = {};
    for (const name of columns.metadata) {
      const value = record.fields[name];
      if (value === undefined || value === null) continue;
      metadata[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    row.metadata = metadata;
  }
  return row;
}
