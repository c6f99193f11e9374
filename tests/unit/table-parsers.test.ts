import { describe, expect, it } from 'vitest';
import { parseCsv, splitTsv, TableSyntaxError } from '../../src/data/table-parsers';

const fieldsOf = (text: string): string[][] => parseCsv(text).map((record) => record.fields);

describe('parseCsv (RFC 4180)', () => {
  it('splits plain fields and keeps empty ones', () => {
    expect(fieldsOf('a,b,c\n1,,3\n,,\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
      ['', '', ''],
    ]);
  });

  it('handles quoted commas, doubled quotes, embedded LF and CRLF line breaks', () => {
    const records = parseCsv('id,text\r\n1,"a, b"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n4,"x\ny"\n5,last');
    expect(records.map((record) => record.fields)).toEqual([
      ['id', 'text'],
      ['1', 'a, b'],
      ['2', 'say "hi"'],
      ['3', 'two\r\nlines'],
      ['4', 'x\ny'],
      ['5', 'last'],
    ]);
    expect(records.map((record) => record.line)).toEqual([1, 2, 3, 4, 6, 8]);
  });

  it('keeps an empty quoted field and a quoted field at end of input without newline', () => {
    expect(fieldsOf('""\n"a","b"')).toEqual([[''], ['a', 'b']]);
  });

  it('skips blank lines and does not invent a record for the final newline', () => {
    expect(fieldsOf('a\n\nb\n')).toEqual([['a'], ['b']]);
    expect(parseCsv('')).toEqual([]);
  });

  it('keeps a quote inside an unquoted field literally', () => {
    expect(fieldsOf('5 " screen,ok\n')).toEqual([['5 " screen', 'ok']]);
  });

  it('reports an unclosed quote at the line where it opened', () => {
    try {
      parseCsv('a,b\n1,"open\nstill open\n');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TableSyntaxError);
      expect((error as TableSyntaxError).line).toBe(2);
    }
  });

  it('rejects text after a closing quote', () => {
    expect(() => parseCsv('a\n"quoted"tail,b\n')).toThrow(/line 2: unexpected text after a closing quote/);
  });
});

describe('parseCsv through csv-parse: start lines, ragged rows, BOM, errors', () => {
  it('numbers records by the line they start on, past multi-line fields (LF and CRLF) and blank lines', () => {
    const records = parseCsv('h1,h2\r\n"a, b","one\r\ntwo\r\nthree"\r\n\r\n\r\nx,"y\nz"\n\nlast,row');
    expect(records).toEqual([
      { fields: ['h1', 'h2'], line: 1 },
      { fields: ['a, b', 'one\r\ntwo\r\nthree'], line: 2 },
      { fields: ['x', 'y\nz'], line: 7 },
      { fields: ['last', 'row'], line: 10 },
    ]);
  });

  it('passes ragged rows through with their own length, for the reader to report', () => {
    expect(parseCsv('a,b,c\n"1\n2",x\n3,4,5,6\n')).toEqual([
      { fields: ['a', 'b', 'c'], line: 1 },
      { fields: ['1\n2', 'x'], line: 2 },
      { fields: ['3', '4', '5', '6'], line: 4 },
    ]);
  });

  it('drops a UTF-8 byte-order mark, from text or bytes', () => {
    expect(fieldsOf('\uFEFF"id",text\n1,x\n')).toEqual([['id', 'text'], ['1', 'x']]);
    expect(parseCsv(Buffer.from('\uFEFFid,text\n', 'utf8'))).toEqual([{ fields: ['id', 'text'], line: 1 }]);
  });

  it('still rejects text after a closing quote when a literal quote appears earlier in the file', () => {
    expect(() => parseCsv('a,b\n5 " screen,ok\n"quoted"tail,b\n')).toThrow(/line 3: unexpected text after a closing quote/);
  });

  it('reports an unclosed quote in a later field at the line where that field opens', () => {
    expect(() => parseCsv('a,b,c\n1,"x\ny",z\n2,ok,"open\nmore\n')).toThrow(/^line 4: quoted field is never closed/);
  });
});

describe('splitTsv (no quoting)', () => {
  it('drops a byte-order mark and keeps quotes, even unbalanced ones across lines', () => {
    expect(splitTsv('\uFEFFid\ttext\n1\t"open\n2\tclose"\n')).toEqual([
      { fields: ['id', 'text'], line: 1 },
      { fields: ['1', '"open'], line: 2 },
      { fields: ['2', 'close"'], line: 3 },
    ]);
  });


  it('treats quotes literally and tracks line numbers past blank lines', () => {
    const records = splitTsv('h1\th2\r\n"a\tb"\r\n\r\nc\t\n');
    expect(records).toEqual([
      { fields: ['h1', 'h2'], line: 1 },
      { fields: ['"a', 'b"'], line: 2 },
      { fields: ['c', ''], line: 4 },
    ]);
  });
});
