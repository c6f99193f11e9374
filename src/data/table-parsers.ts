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

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes, a doubled quote inside a
 * quoted field is a literal quote, quoted fields may hold commas and line breaks, records end
 * with LF or CRLF. A quote inside an unquoted field is kept as a literal character (as most
 * writers and Python's csv module do). Empty lines are skipped.
 */
export function parseCsv(text: string): TableRecord[] {
  const records: TableRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let index = 0;
  let fieldWasQuoted = false;

  const endRecord = (): void => {
    fields.push(field);
    const isBlankLine = fields.length === 1 && fields[0] === '' && !fieldWasQuoted;
    if (!isBlankLine) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    fieldWasQuoted = false;
  };

  while (index < text.length) {
    const char = text[index];
    if (char === '"' && field === '' && !fieldWasQuoted) {
      const openingLine = line;
      fieldWasQuoted = true;
      index += 1;
      for (;;) {
        if (index >= text.length) {
          throw new TableSyntaxError(openingLine, 'quoted field is never closed (missing closing ")');
        }
        const quotedChar = text[index];
        if (quotedChar === '"') {
          if (text[index + 1] === '"') {
            field += '"';
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        if (quotedChar === '\n') line += 1;
        field += quotedChar;
        index += 1;
      }
      const next = text[index];
      const atFieldEnd =
        next === undefined || next === ',' || next === '\n' || (next === '\r' && text[index + 1] === '\n');
      if (!atFieldEnd) {
        throw new TableSyntaxError(line, `unexpected character ${JSON.stringify(next)} after a closing quote`);
      }
      continue;
    }
    if (char === ',') {
      fields.push(field);
      field = '';
      fieldWasQuoted = false;
      index += 1;
      continue;
    }
    if (char === '\n' || (char === '\r' && text[index + 1] === '\n')) {
      endRecord();
      index += char === '\r' ? 2 : 1;
      line += 1;
      recordLine = line;
      continue;
    }
    field += char;
    index += 1;
  }
  if (field !== '' || fields.length > 0 || fieldWasQuoted) endRecord();
  return records;
}

/**
 * Tab-separated values without any quoting: a `"` is an ordinary character and a field can hold
 * neither a tab nor a line break. Lines end with LF or CRLF; empty lines are skipped.
 */
export function splitTsv(text: string): TableRecord[] {
  const records: TableRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((rawLine, lineIndex) => {
    const lineText = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (lineText === '') return;
    records.push({ fields: lineText.split('\t'), line: lineIndex + 1 });
  });
  return records;
}
