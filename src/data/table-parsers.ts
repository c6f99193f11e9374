/**
 * CSV and TSV records through csv-parse, each with the line on which it starts. csv-parse counts
 * lines itself, but reports the line where a record ends (and counts a CRLF inside a quoted field
 * twice), so the lines here come from the byte offsets it reports instead.
 */
import { CsvError, parse, type Options } from 'csv-parse/sync';

/** One parsed row and the 1-based line of the file on which it starts. */
export interface TableRecord {
  fields: string[];
  line: number;
}

export class TableSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'TableSyntaxError';
  }
}

const COMMON_OPTIONS = {
  bom: true,
  info: true,
  // LF and CRLF, also mixed in one file; csv-parse would otherwise take the first one it sees.
  record_delimiter: ['\n', '\r\n'],
  skip_empty_lines: true,
  // Rows of the wrong length are reported by the readers, which know the header and the file.
  relax_column_count: true,
} satisfies Options;

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes, a doubled quote inside a
 * quoted field is a literal quote, quoted fields may hold commas and line breaks, records end
 * with LF or CRLF. A quote inside an unquoted field is kept as a literal character (as most
 * writers and Python's csv module do); text after a closing quote is an error. Empty lines are
 * skipped; a UTF-8 byte-order mark is dropped.
 */
export function parseCsv(content: string | Buffer): TableRecord[] {
  const bytes = toBytes(content);
  const options = { ...COMMON_OPTIONS, delimiter: ',', relax_quotes: false } satisfies Options;
  const strict = parseRecords(bytes, { ...options, skip_records_with_error: true });
  const fatal = strict.errors.find((error) => error.code !== 'INVALID_OPENING_QUOTE');
  if (fatal !== undefined) throw syntaxError(bytes, fatal);
  if (strict.errors.length === 0) return strict.records;
  // Only literal quotes inside unquoted fields: csv-parse's relaxed mode reads exactly those as
  // written, but it would also accept text after a closing quote, which the strict pass ruled out.
  return parseRecords(bytes, { ...options, relax_quotes: true }).records;
}

/**
 * Tab-separated values without any quoting: a `"` is an ordinary character and a field can hold
 * neither a tab nor a line break. Lines end with LF or CRLF; empty lines are skipped; a UTF-8
 * byte-order mark is dropped.
 */
export function splitTsv(content: string | Buffer): TableRecord[] {
  return parseRecords(toBytes(content), { ...COMMON_OPTIONS, delimiter: '\t', quote: false }).records;
}

function toBytes(content: string | Buffer): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

interface ParsedRecord {
  record: string[];
  info: { bytes: number };
}

/**
 * Records with their start lines. With `skip_records_with_error`, the errors of the records
 * csv-parse skipped, in order; otherwise the first error is thrown.
 */
function parseRecords(bytes: Buffer, options: Options): { records: TableRecord[]; errors: CsvError[] } {
  const errors: CsvError[] = [];
  const collectSkipped: Options = {
    on_skip: (error) => {
      if (error !== undefined) errors.push(error);
      return undefined;
    },
  };
  let parsed: ParsedRecord[];
  try {
    parsed = parse(bytes, { ...options, ...(options.skip_records_with_error ? collectSkipped : {}) }) as unknown as ParsedRecord[];
  } catch (error) {
    if (error instanceof CsvError) throw syntaxError(bytes, error);
    throw error;
  }
  const lines = new LineIndex(bytes);
  let recordStart = 0;
  const records = parsed.map(({ record, info }) => {
    const line = lines.lineAfterBlankLines(recordStart);
    recordStart = info.bytes;
    return { fields: record, line };
  });
  return { records, errors };
}

/** Our wording for the problems a reader can fix; never the file's content. */
function syntaxError(bytes: Buffer, error: CsvError): TableSyntaxError {
  // csv-parse's `bytes` is the offset of the last field or record boundary before the problem,
  // so its line is where the faulty field starts (for an unclosed quote: where it opened).
  const line = new LineIndex(bytes).lineAfterBlankLines(typeof error.bytes === 'number' ? error.bytes : 0);
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new TableSyntaxError(line, 'quoted field is never closed (missing closing ")');
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new TableSyntaxError(line, 'unexpected text after a closing quote (a quote inside a quoted field is written twice: "")');
    default:
      // csv-parse's own messages can quote the field they stopped at: name the kind of error only.
      return new TableSyntaxError(line, `CSV syntax error (${error.code})`);
  }
}

/** 1-based line numbers of byte offsets. */
class LineIndex {
  private readonly lineBreaks: number[] = [];

  constructor(private readonly bytes: Buffer) {
    for (let offset = bytes.indexOf(0x0a); offset >= 0; offset = bytes.indexOf(0x0a, offset + 1)) this.lineBreaks.push(offset);
  }

  /** The line of the first byte at or after `offset` that is not part of a blank line's break. */
  lineAfterBlankLines(offset: number): number {
    let start = offset;
    while (start < this.bytes.length && (this.bytes[start] === 0x0a || this.bytes[start] === 0x0d)) start += 1;
    return 1 + this.lineBreaksBefore(start);
  }

  private lineBreaksBefore(offset: number): number {
    let low = 0;
    let high = this.lineBreaks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.lineBreaks[middle] ?? Infinity) < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
