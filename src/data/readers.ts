import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../infra/paths';
import { languagesForSplit, storedSplits, type ColumnRef, type DatasetSpec, type SplitName } from './dataset-spec';
import { getLanguage } from './languages';
import { parseCsv, splitTsv, TableSyntaxError, type TableRecord } from './table-parsers';

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

export async function readSplit(spec: DatasetSpec, options: ReadSplitOptions): Promise<Example[]> {
  const file = resolveSplitFile(spec, options);
  return parseSplitContent(spec, await readDataFile(file), file, options.split);
}

/** A data file's bytes; a missing or unreadable file is a DataError naming it (line 0). */
export async function readDataFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read the file (${String(error)})`;
    throw new DataError(reason, file, 0);
  }
}

/** The records of a CSV or TSV file; a syntax error is a DataError naming the file and the line. */
export function parseTable(format: DatasetSpec['format'], content: string | Buffer, file: string): TableRecord[] {
  try {
    return format === 'csv' ? parseCsv(content) : splitTsv(content);
  } catch (error) {
    if (error instanceof TableSyntaxError) throw new DataError(error.problem, file, error.line);
    throw error;
  }
}

/** Parses a split's text; `file` is used in error messages only. */
export function parseSplitContent(spec: DatasetSpec, content: string | Buffer, file: string, split: SplitName): Example[] {
  const records = parseTable(spec.format, content, file);

  const hasHeader = spec.format !== 'tsv-headerless';
  const header = hasHeader ? records[0] : undefined;
  const rows = hasHeader ? records.slice(1) : records;
  if (records.length === 0) throw new DataError('the file is empty', file, 1);
  if (rows.length === 0) throw new DataError('the file has a header but no data rows', file, header?.line ?? 1);

  const expectedFieldCount = header?.fields.length ?? rows[0]?.fields.length ?? 0;
  const columnIndex = (role: string, column: ColumnRef): number => {
    if (typeof column === 'number') {
      if (column >= expectedFieldCount) {
        throw new DataError(
          `column ${role} is index ${column}, but rows have only ${expectedFieldCount} fields`,
          file,
          header?.line ?? rows[0]?.line ?? 1,
        );
      }
      return column;
    }
    const index = header?.fields.indexOf(column) ?? -1;
    if (index < 0) {
      const existing = (header?.fields ?? []).map((name) => JSON.stringify(name)).join(', ');
      throw new DataError(`missing column "${column}" (for ${role}); the header has columns ${existing}`, file, header?.line ?? 1);
    }
    return index;
  };

  const { columns } = spec;
  const idIndex = columns.id === undefined ? undefined : columnIndex('id', columns.id);
  const textIndex = columnIndex('text', columns.text);
  const textPairIndex = columns.textPair === undefined ? undefined : columnIndex('textPair', columns.textPair);
  const labelIndex = columnIndex('label', columns.label);

  return rows.map(({ fields, line }) => {
    if (fields.length !== expectedFieldCount) {
      const reference = header ? 'the header has' : 'the first row has';
      const problem = fields.length < expectedFieldCount ? 'too few fields' : 'too many fields';
      throw new DataError(`${problem}: the row has ${fields.length}, ${reference} ${expectedFieldCount}`, file, line);
    }
    const field = (index: number): string => fields[index] ?? '';

    const text = field(textIndex).trim();
    if (text === '') throw new DataError('empty text', file, line);
    const textPair = textPairIndex === undefined ? undefined : field(textPairIndex).trim();
    if (textPair === '') throw new DataError('empty text pair', file, line);

    const rawLabel = field(labelIndex).trim();
    const label = spec.labelMap?.[rawLabel] ?? rawLabel;
    if (!spec.labels.includes(label)) {
      const mapped = label === rawLabel ? '' : ` (mapped from "${rawLabel}")`;
      throw new DataError(`label "${label}"${mapped} is not in the label set: ${spec.labels.join(', ')}`, file, line);
    }

    let id = idIndex === undefined ? '' : field(idIndex).trim();
    if (idIndex !== undefined && id === '') throw new DataError('empty id', file, line);
    if (idIndex === undefined) id = `${split}-${line}`;

    return textPair === undefined ? { id, text, label } : { id, text, textPair, label };
  });
}


/** The directory holding the package.json named "synthlab", found by walking up from this module. */
export function dataRootDefault(): string {
  const fromEnvironment = process.env.SYNTHLAB_DATA_ROOT;
  if (fromEnvironment !== undefined && fromEnvironment !== '') return path.resolve(fromEnvironment);
  return path.resolve(repoRoot, '..', 'shared', 'data');
}
