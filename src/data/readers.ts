import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../infra/paths';
import { languagesForSplit, storedSplits, type ColumnRef, type DatasetSpec, type SplitName } from './dataset-spec';
import { getLanguage } from './languages';
import { parseCsv, splitTsv, TableSyntaxError, type TableRecord } from './table-parsers';
import { checkUtf8, TextEncodingError } from './text-encoding';

export interface Example {
  id: string;
  text: string;
  textPair?: string;
  label: string;
}

/**
 * Any problem with a dataset file or request. `file` and `line` are set when the problem is in a
 * file; line 0 means the file could not be opened at all.
 */
export class DataError extends Error {
  constructor(
    readonly problem: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file === undefined ? problem : `${file}, line ${line ?? 0}: ${problem}`);
    this.name = 'DataError';
  }
}

export interface ReadSplitOptions {
  dataRoot: string;
  language: string;
  split: SplitName;
}

/** Absolute path of a split's file for a language; throws DataError when the dataset lacks it. */
export function resolveSplitFile(spec: DatasetSpec, { dataRoot, language, split }: ReadSplitOptions): string {
  const template = spec.files[split];
  if (template === undefined) {
    const derivation = spec.derivedSplits?.[split];
    if (derivation) {
      throw new DataError(
        `dataset ${spec.name} stores no ${split} split; it must be derived from the ${derivation.from} split`,
      );
    }
    throw new DataError(
      `dataset ${spec.name} has no ${split} split (available: ${storedSplits(spec).join(', ')})`,
    );
  }
  const languages = languagesForSplit(spec, split);
  if (!languages.includes(language)) {
    throw new DataError(
      `dataset ${spec.name} has no ${split} data for language "${language}" (available: ${languages.join(', ')})`,
    );
  }
  const flores = getLanguage(language).flores;
  const relativePath = template.replaceAll('{lang}', language).replaceAll('{flores}', flores);
  return path.resolve(dataRoot, relativePath);
}

/** Whether `file` lies inside `folder`, judged on the paths as written once `.` and `..` are resolved. */
export function isInsideFolder(file: string, folder: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(file));
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** The problem of a data file outside the data root, for a config that did not allow it. */
export function outsideDataRootProblem(dataRoot: string): string {
  return `outside the data root ${path.resolve(dataRoot)}; a config that means it sets allowPathsOutsideDataRoot: true`;
}

/** A split's file, checked to be inside the data root unless the dataset allows paths outside it. */
export function resolveSplitFileInsideRoot(spec: DatasetSpec, options: ReadSplitOptions): string {
  const file = resolveSplitFile(spec, options);
  if (spec.allowPathsOutsideDataRoot !== true && !isInsideFolder(file, options.dataRoot)) throw new DataError(outsideDataRootProblem(options.dataRoot), file, 0);
  return file;
}

/**
 * A split derived from a stored one (XNLI stores only its dev files, registered as test) takes
 * the stored file's odd rows (0-based row index 1, 3, 5, …) and the stored split keeps its even
 * rows. The rule depends on the row index alone, so in parallel files (row i of dev-hi translates
 * row i of dev-en) a source split carved from one language never shares a row with the test split
 * scored in another: nothing of the test set leaks into training.
 */
export function derivedRowSide(rowIndex: number): 'stored' | 'derived' {
  return rowIndex % 2 === 1 ? 'derived' : 'stored';
}

/** The stored split a split is read from: itself, or the split it is derived from. */
export function storedSplitOf(spec: DatasetSpec, split: SplitName): SplitName {
  return spec.derivedSplits?.[split]?.from ?? split;
}

export async function readSplit(spec: DatasetSpec, options: ReadSplitOptions): Promise<Example[]> {
  const stored = storedSplitOf(spec, options.split);
  const file = resolveSplitFileInsideRoot(spec, { ...options, split: stored });
  const examples = parseSplitContent(spec, await readDataFile(file), file, options.split);
  if (stored !== options.split) return examples.filter((_, index) => derivedRowSide(index) === 'derived');
  const givesRows = Object.values(spec.derivedSplits ?? {}).some((derivation) => derivation?.from === options.split);
  return givesRows ? examples.filter((_, index) => derivedRowSide(index) === 'stored') : examples;
}

/** Data files larger than this are refused before they are read (the largest shared split is ~5 MB). */
export const MAX_DATA_FILE_BYTES = 1024 ** 3;

function openProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'file not found (a part of the path is not a folder)';
  if (code === 'ELOOP') return 'the path is a symbolic link loop';
  return `cannot read the file (${code ?? String(error)})`;
}

/**
 * A data file's bytes; a missing or unreadable file, or one that is not a regular file (a folder,
 * a device such as /dev/zero, a pipe) or is too large, is a DataError naming it (line 0).
 */
export async function readDataFile(file: string): Promise<Buffer> {
  let info: Stats;
  try {
    info = await stat(file);
  } catch (error) {
    throw new DataError(openProblem(error), file, 0);
  }
  if (info.isDirectory()) throw new DataError('a folder, not a file', file, 0);
  if (!info.isFile()) throw new DataError('not a regular file (a device, pipe or socket)', file, 0);
  if (info.size > MAX_DATA_FILE_BYTES) throw new DataError(`the file has ${info.size} bytes, more than the limit of ${MAX_DATA_FILE_BYTES}`, file, 0);
  try {
    return await readFile(file);
  } catch (error) {
    throw new DataError(openProblem(error), file, 0);
  }
}

/**
 * The records of a CSV or TSV file; bytes that are not UTF-8 and syntax errors are a DataError
 * naming the file and the line.
 */
export function parseTable(format: DatasetSpec['format'], content: string | Buffer, file: string): TableRecord[] {
  try {
    if (typeof content !== 'string') checkUtf8(content);
    return format === 'csv' ? parseCsv(content) : splitTsv(content);
  } catch (error) {
    if (error instanceof TableSyntaxError || error instanceof TextEncodingError) throw new DataError(error.problem, file, error.line);
    throw error;
  }
}

/** Parses a split's text; `file` is used in error messages only. The first problem is thrown. */
export function parseSplitContent(spec: DatasetSpec, content: string | Buffer, file: string, split: SplitName): Example[] {
  const { examples, problems } = inspectSplitContent(spec, content, file, split, 1);
  if (problems[0] !== undefined) throw problems[0];
  return examples;
}

export interface SplitInspection {
  /** The rows that have no problem. */
  examples: Example[];
  /** Every problem, in file order, up to the limit; then one that counts the rest. */
  problems: DataError[];
}

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', '\t': 'tab', ';': 'semicolon', '|': 'vertical bar' };

/** How a column is named in messages: by the config's name or position, never by the file's content. */
function columnName(column: ColumnRef): string {
  return typeof column === 'number' ? `column ${column}` : `column "${column}"`;
}

/**
 * When the header is one field that holds another delimiter, the file is most likely separated by
 * that one. Names the delimiter, not the header.
 */
function delimiterHint(format: DatasetSpec['format'], header: readonly string[]): string {
  if (header.length !== 1) return '';
  const expected = format === 'csv' ? ',' : '\t';
  const found = Object.keys(DELIMITER_NAMES).find((delimiter) => delimiter !== expected && (header[0] ?? '').includes(delimiter));
  return found === undefined ? '' : `; the header is one field holding a ${DELIMITER_NAMES[found]}: is the file ${DELIMITER_NAMES[found]}-separated? Format ${format} expects ${DELIMITER_NAMES[expected]}s`;
}

/**
 * Reads every row of a split and collects its problems, in file order and at most `maxProblems`
 * (then one more that counts the rest). Messages name the file, the line and the config's columns
 * and labels; they never quote the file's content (an unknown label is described, not repeated),
 * so they can go into workflow histories and logs.
 */
export function inspectSplitContent(spec: DatasetSpec, content: string | Buffer, file: string, split: SplitName, maxProblems = 20): SplitInspection {
  let records: TableRecord[];
  try {
    records = parseTable(spec.format, content, file);
  } catch (error) {
    if (error instanceof DataError) return { examples: [], problems: [error] };
    throw error;
  }

  const hasHeader = spec.format !== 'tsv-headerless';
  const header = hasHeader ? records[0] : undefined;
  const rows = hasHeader ? records.slice(1) : records;
  if (records.length === 0) return { examples: [], problems: [new DataError('the file is empty', file, 1)] };

  const expectedFieldCount = header?.fields.length ?? rows[0]?.fields.length ?? 0;
  const headerLine = header?.line ?? rows[0]?.line ?? 1;
  const { columns } = spec;
  const roles = Object.entries(columns).filter((entry): entry is [string, ColumnRef] => entry[1] !== undefined);
  const indexes: Record<string, number> = {};
  const missing: string[] = [];
  for (const [role, column] of roles) {
    const index = typeof column === 'number' ? (column < expectedFieldCount ? column : -1) : (header?.fields.indexOf(column) ?? -1);
    if (index < 0) missing.push(`${columnName(column)} (for ${role})`);
    else indexes[role] = index;
  }
  if (missing.length > 0) {
    const found = roles.filter(([role]) => indexes[role] !== undefined).map(([, column]) => columnName(column));
    const where = hasHeader ? 'the header' : 'the first row';
    const has = `${where} has ${expectedFieldCount} field${expectedFieldCount === 1 ? '' : 's'}` + (found.length > 0 ? `, with ${found.join(' and ')}` : '');
    return { examples: [], problems: [new DataError(`missing ${missing.join(', ')}: ${has}${delimiterHint(spec.format, header?.fields ?? rows[0]?.fields ?? [])}`, file, headerLine)] };
  }
  if (rows.length === 0) return { examples: [], problems: [new DataError('the file has a header but no data rows', file, headerLine)] };

  const problems: DataError[] = [];
  let unreported = 0;
  const report = (problem: string, line: number) => {
    if (problems.length < maxProblems) problems.push(new DataError(problem, file, line));
    else unreported += 1;
  };
  const examples: Example[] = [];
  const lineOfId = new Map<string, number>();
  const checkIds = columns.id !== undefined && split !== 'test';
  for (const { fields, line } of rows) {
    if (fields.length !== expectedFieldCount) {
      const reference = header ? 'the header has' : 'the first row has';
      const problem = fields.length < expectedFieldCount ? 'too few fields' : 'too many fields';
      report(`${problem}: the row has ${fields.length}, ${reference} ${expectedFieldCount}`, line);
      continue;
    }
    const field = (role: string): string | undefined => (indexes[role] === undefined ? undefined : (fields[indexes[role]] ?? '').trim());

    const text = field('text') ?? '';
    if (text === '') {
      report(`empty text (${columnName(columns.text)})`, line);
      continue;
    }
    const textPair = field('textPair');
    if (textPair === '') {
      report(`empty text pair (${columnName(columns.textPair as ColumnRef)})`, line);
      continue;
    }

    const rawLabel = field('label') ?? '';
    const label = spec.labelMap?.[rawLabel] ?? rawLabel;
    if (!spec.labels.includes(label)) {
      report(unknownLabelProblem(spec, rawLabel), line);
      continue;
    }

    let id = field('id') ?? '';
    if (columns.id !== undefined && id === '') {
      report(`empty id (${columnName(columns.id)})`, line);
      continue;
    }
    if (columns.id === undefined) id = `${split}-${line}`;
    if (checkIds) {
      const earlier = lineOfId.get(id);
      if (earlier !== undefined) {
        report(`the id (${columnName(columns.id as ColumnRef)}) repeats the id of line ${earlier}; ids must be unique`, line);
        continue;
      }
      lineOfId.set(id, line);
    }
    examples.push(textPair === undefined ? { id, text, label } : { id, text, textPair, label });
  }
  if (unreported > 0) problems.push(new DataError(`… and ${unreported} more row${unreported === 1 ? '' : 's'} with problems`, file, problems.at(-1)?.line ?? headerLine));
  return { examples, problems };
}

/** An unknown label, described without repeating it: it is file content, not a name the config knows. */
function unknownLabelProblem(spec: DatasetSpec, rawLabel: string): string {
  const column = columnName(spec.columns.label);
  if (rawLabel === '') return `empty label (${column})`;
  const sameButCase = spec.labels.find((label) => label.toLowerCase() === rawLabel.toLowerCase());
  const hint = sameButCase === undefined ? '' : `; it differs from "${sameButCase}" only in upper/lower case`;
  const mapped = spec.labelMap === undefined ? '' : ` nor a key of labelMap (${Object.keys(spec.labelMap).join(', ')})`;
  return `the label (${column}) is not in the label set (${spec.labels.join(', ')})${mapped}${hint}`;
}

/** The directory holding the package.json named "synthlab", found by walking up from this module. */
export function dataRootDefault(): string {
  const fromEnvironment = process.env.SYNTHLAB_DATA_ROOT;
  if (fromEnvironment !== undefined && fromEnvironment !== '') return path.resolve(fromEnvironment);
  return path.resolve(repoRoot, '..', 'shared', 'data');
}
