/** The imported-generations reader: CSV, TSV and JSON lines, and the first bad row named by its line. */
import { describe, expect, it } from 'vitest';
import { ImportFileError, importFormatOf, readImportRows, type ImportReadOptions } from '../../src/data/import-file';

const labels = ['positive', 'negative'];
const options = (overrides: Partial<ImportReadOptions> = {}): ImportReadOptions => ({ format: 'csv', columns: { text: 'text', label: 'label' }, labels, pairs: false, ...overrides });
const read = (content: string, overrides: Partial<ImportReadOptions> = {}) => readImportRows(Buffer.from(content), options(overrides));
const problemOf = (content: string, overrides: Partial<ImportReadOptions> = {}): ImportFileError => {
  try {
    read(content, overrides);
  } catch (error) {
    if (error instanceof ImportFileError) return error;
    throw error;
  }
  throw new Error('expected an ImportFileError');
};

describe('readImportRows', () => {
  it('reads CSV with quoted commas and line breaks, keeping the line each row starts on', () => {
    const rows = read('text,label,source\n"good, really",positive,gpt\n"two\nlines",negative,gpt\n', { columns: { text: 'text', label: 'label', labelSource: 'source' } });
    expect(rows).toEqual([
      { line: 2, text: 'good, really', label: 'positive', labelSource: 'gpt' },
      { line: 3, text: 'two\nlines', label: 'negative', labelSource: 'gpt' },
    ]);
  });

  it('reads TSV with renamed columns and metadata', () => {
    const rows = read('sentence\tgold\tmodel\n"quoted" as is\tnegative\tm1\n', { format: 'tsv', columns: { text: 'sentence', label: 'gold', metadata: ['model'] } });
    expect(rows).toEqual([{ line: 2, text: '"quoted" as is', label: 'negative', labelSource: 'import', metadata: { model: 'm1' } }]);
  });

  it('reads JSON lines with text pairs, skipping blank lines, and stringifies non-string metadata', () => {
    const content = '{"premise":"A man sleeps.","hypothesis":"Someone rests.","label":"positive","round":3}\n\n{"premise":"p","hypothesis":"h","label":"negative"}\n';
    const rows = read(content, { format: 'jsonl', pairs: true, columns: { text: 'premise', textPair: 'hypothesis', label: 'label', metadata: ['round'] } });
    expect(rows).toEqual([
      { line: 1, text: 'A man sleeps.', textPair: 'Someone rests.', label: 'positive', labelSource: 'import', metadata: { round: '3' } },
      { line: 3, text: 'p', textPair: 'h', label: 'negative', labelSource: 'import', metadata: {} },
    ]);
  });

  it('names the line and the label when a label is unknown, and lists the valid ones', () => {
    const error = problemOf('text,label\nfine,positive\nodd,neutral\n');
    expect(error.line).toBe(3);
    expect(error.message).toBe('line 3: unknown label "neutral"; valid labels: positive, negative');
  });

  it.each([
    ['a row with the wrong field count', 'text,label\nfine,positive,extra\n', {}, 2, 'has 3 fields, the header has 2'],
    ['an empty text', 'text,label\n"",positive\n', {}, 2, '"text" is empty'],
    ['a missing column', 'words,label\nfine,positive\n', {}, 2, 'has no "text"'],
    ['broken JSON', '{"text":"a","label":"positive"}\n{"text":\n', { format: 'jsonl' as const }, 2, 'is not valid JSON'],
    ['a JSON array', '["a","positive"]\n', { format: 'jsonl' as const }, 1, 'is not a JSON object'],
    ['a number as text', '{"text":5,"label":"positive"}\n', { format: 'jsonl' as const }, 1, '"text" is not a string'],
    ['a pair task without the pair', 'text,label\na,positive\n', { pairs: true }, 2, 'has no "text_pair"'],
    ['a CSV quote error', 'text,label\n"open,positive\n', {}, 2, ''],
  ])('refuses %s, naming its line', (_what, content, overrides, line, problem) => {
    const error = problemOf(content, overrides);
    expect(error.line).toBe(line);
    expect(error.problem).toContain(problem);
  });

  it('refuses an empty file, a header alone, and invalid UTF-8', () => {
    expect(problemOf('').message).toMatch(/empty/);
    expect(problemOf('text,label\n').message).toBe('has no rows');
    expect(() => readImportRows(Buffer.from([0x74, 0x65, 0xff, 0x0a]), options())).toThrow(ImportFileError);
  });
});

it('tells the format from the extension', () => {
  expect(importFormatOf('a/b.CSV')).toBe('csv');
  expect(importFormatOf('b.tsv')).toBe('tsv');
  expect(importFormatOf('b.jsonl')).toBe('jsonl');
  expect(importFormatOf('b.txt')).toBeUndefined();
});
