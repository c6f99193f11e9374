import { repoRoot } from '../../src/infra/paths';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatasetSpec, type DatasetSpec } from '../../src/data/dataset-spec';
import { DataError, dataRootDefault, readSplit } from '../../src/data/readers';
import { getDatasetSpec } from '../../src/data/registry';

const dataRoot = dataRootDefault();

function countLabels(examples: { label: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { label } of examples) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

describe('dataRootDefault', () => {
  it('points at ../shared/data next to the repo unless SYNTHLAB_DATA_ROOT is set', () => {
    const previous = process.env.SYNTHLAB_DATA_ROOT;
    try {
      delete process.env.SYNTHLAB_DATA_ROOT;
      expect(dataRootDefault()).toBe(path.resolve(repoRoot, '../shared/data'));
      process.env.SYNTHLAB_DATA_ROOT = '/tmp/somewhere';
      expect(dataRootDefault()).toBe('/tmp/somewhere');
    } finally {
      if (previous === undefined) delete process.env.SYNTHLAB_DATA_ROOT;
      else process.env.SYNTHLAB_DATA_ROOT = previous;
    }
  });
});

describe('readSplit on the real datasets', () => {
  it('finds the real datasets', () => {
    expect(existsSync(dataRoot), `the real datasets are missing: expected them at ${dataRoot} (../shared/data beside the repository)`).toBe(true);
  });

  it('massive10 de: CSV with a pandas index column, 2027 train / 565 test rows, matched on intent', async () => {
    const spec = getDatasetSpec('massive10');
    const train = await readSplit(spec, { dataRoot, language: 'de', split: 'train' });
    const test = await readSplit(spec, { dataRoot, language: 'de', split: 'test' });
    expect(train).toHaveLength(2027);
    expect(test).toHaveLength(565);
    expect(train[0]).toEqual({ id: '8332', text: 'lösche meine workout heute', label: 'calendar_remove' });
    expect(countLabels(train)).toEqual({
      alarm_query: 130,
      audio_volume_down: 52,
      calendar_remove: 312,
      cooking_recipe: 207,
      datetime_convert: 52,
      email_sendemail: 354,
      play_audiobook: 150,
      recommendation_movies: 70,
      transport_ticket: 127,
      weather_query: 573,
    });
    expect(countLabels(test).weather_query).toBe(156);
  });

  it('massive10 rows are parallel across languages (same set of ids)', async () => {
    const spec = getDatasetSpec('massive10');
    const english = await readSplit(spec, { dataRoot, language: 'en', split: 'test' });
    const thai = await readSplit(spec, { dataRoot, language: 'th', split: 'test' });
    const sortedIds = (examples: { id: string }[]): string[] => examples.map((example) => example.id).sort();
    expect(sortedIds(thai)).toEqual(sortedIds(english));
  });

  it.each(['az', 'cy', 'de', 'en', 'he', 'id', 'ro', 'sl', 'sw', 'te', 'th'])(
    'sib200 %s: TSV without quoting, 701 / 99 / 204 rows',
    async (language) => {
      const spec = getDatasetSpec('sib200');
      const train = await readSplit(spec, { dataRoot, language, split: 'train' });
      const dev = await readSplit(spec, { dataRoot, language, split: 'dev' });
      const test = await readSplit(spec, { dataRoot, language, split: 'test' });
      expect([train.length, dev.length, test.length]).toEqual([701, 99, 204]);
      expect(countLabels(train)).toEqual({
        'science/technology': 176,
        travel: 138,
        politics: 102,
        sports: 85,
        health: 77,
        entertainment: 65,
        geography: 58,
      });
    },
  );

  it('sib200 keeps double quotes as literal characters', async () => {
    const train = await readSplit(getDatasetSpec('sib200'), { dataRoot, language: 'en', split: 'train' });
    expect(train.some((example) => example.text.includes('"'))).toBe(true);
  });

  it('xnli: headerless pairs registered as test, ids from line numbers, train derived from the odd rows and disjoint from test', async () => {
    const spec = getDatasetSpec('xnli');
    const lineOf = (example: { id: string }) => Number(example.id.split('-')[1]);
    const testLines = new Map<string, number[]>();
    for (const language of ['en', 'hi', 'sw', 'ur']) {
      const test = await readSplit(spec, { dataRoot, language, split: 'test' });
      const train = await readSplit(spec, { dataRoot, language, split: 'train' });
      // The stored dev file's 2,490 rows: even row indices are test, odd ones the derived train split.
      expect([test.length, train.length]).toEqual([1245, 1245]);
      expect(test[0]?.id).toBe('test-1');
      expect(train[0]?.id).toBe('train-2');
      expect(test[0]?.textPair).toBeTruthy();
      const trainLines = new Set(train.map(lineOf));
      expect(test.filter((example) => trainLines.has(lineOf(example)))).toEqual([]);
      expect(new Set([...test.map(lineOf), ...trainLines]).size).toBe(2490);
      testLines.set(language, test.map(lineOf));
    }
    // The files are parallel (row i of dev-hi translates row i of dev-en): English source rows carved
    // from train never share a row index with the test rows scored in hi, sw or ur.
    const englishTrain = new Set((await readSplit(spec, { dataRoot, language: 'en', split: 'train' })).map(lineOf));
    for (const language of ['hi', 'sw', 'ur']) {
      expect(testLines.get(language)).toEqual(testLines.get('en'));
      expect(testLines.get(language)?.filter((line) => englishTrain.has(line))).toEqual([]);
    }
    const englishTest = await readSplit(spec, { dataRoot, language: 'en', split: 'test' });
    const counts = countLabels(englishTest);
    expect(Object.keys(counts).sort()).toEqual(['contradiction', 'entailment', 'neutral']);
    expect(Math.min(...Object.values(counts))).toBeGreaterThan(300);
  });

  it('sst5: header label/text, labelMap collapses 5 classes to 3', async () => {
    const spec = getDatasetSpec('sst5');
    const train = await readSplit(spec, { dataRoot, language: 'en', split: 'train' });
    const dev = await readSplit(spec, { dataRoot, language: 'en', split: 'dev' });
    const test = await readSplit(spec, { dataRoot, language: 'en', split: 'test' });
    expect([train.length, dev.length, test.length]).toEqual([8544, 1101, 2210]);
    expect(countLabels(train)).toEqual({ negative: 1092 + 2218, neutral: 1624, positive: 2322 + 1288 });
    expect(train[0]).toMatchObject({ id: 'train-2', label: 'positive' });

    const fiveClass = await readSplit(getDatasetSpec('sst5-5class'), { dataRoot, language: 'en', split: 'train' });
    expect(countLabels(fiveClass)).toEqual({
      very_negative: 1092,
      negative: 2218,
      neutral: 1624,
      positive: 2322,
      very_positive: 1288,
    });
  });

  it('sentiment: quoted multi-line CSV and CRLF files; sl has test only; cy is missing', async () => {
    const spec = getDatasetSpec('sentiment');
    const azerbaijani = await readSplit(spec, { dataRoot, language: 'az', split: 'train' });
    expect(azerbaijani).toHaveLength(19600);
    expect(countLabels(azerbaijani)).toEqual({ negative: 9734, positive: 9866 });
    const telugu = await readSplit(spec, { dataRoot, language: 'te', split: 'train' });
    expect(telugu).toHaveLength(11386);
    const swahili = await readSplit(spec, { dataRoot, language: 'sw', split: 'train' });
    expect(swahili).toHaveLength(738);
    const slovenianTest = await readSplit(spec, { dataRoot, language: 'sl', split: 'test' });
    expect(countLabels(slovenianTest)).toEqual({ negative: 500, positive: 251 });

    await expect(readSplit(spec, { dataRoot, language: 'sl', split: 'train' })).rejects.toThrow(
      /no train data for language "sl"/,
    );
    await expect(readSplit(spec, { dataRoot, language: 'cy', split: 'test' })).rejects.toBeInstanceOf(DataError);
    await expect(readSplit(spec, { dataRoot, language: 'en', split: 'dev' })).rejects.toThrow(
      /has no dev split \(available: train, test\)/,
    );
  });
});

describe('readSplit errors name the file, the line and the problem', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'synthlab-readers-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  function csvSpec(overrides: Partial<DatasetSpec> = {}): DatasetSpec {
    return parseDatasetSpec({
      name: 'toy',
      task: 'toy task',
      labelKind: 'intent',
      format: 'csv',
      files: { train: 'toy-{lang}-train.csv', test: 'toy-{lang}-test.csv' },
      columns: { id: 'id', text: 'text', label: 'intent' },
      labels: ['alarm_query', 'weather_query'],
      languages: ['en', 'th'],
      ...overrides,
    });
  }

  async function readToy(content: string, spec: DatasetSpec = csvSpec()): Promise<unknown> {
    await writeFile(path.join(directory, 'toy-en-train.csv'), content);
    return readSplit(spec, { dataRoot: directory, language: 'en', split: 'train' });
  }

  async function expectDataError(promise: Promise<unknown>, line: number, problem: RegExp): Promise<DataError> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DataError);
    const dataError = error as DataError;
    expect(dataError.message).toContain(path.join(directory, 'toy-en-train.csv'));
    expect(dataError.message).toContain(`line ${line}`);
    expect(dataError.line).toBe(line);
    expect(dataError.message).toMatch(problem);
    return dataError;
  }

  it('reads a well-formed file with quoting, CRLF and a BOM', async () => {
    const examples = await readToy('\uFEFFid,text,intent\r\n1,"wake me, at ""7""\r\nplease",alarm_query\r\n2,rain?,weather_query\r\n');
    expect(examples).toEqual([
      { id: '1', text: 'wake me, at "7"\r\nplease', label: 'alarm_query' },
      { id: '2', text: 'rain?', label: 'weather_query' },
    ]);
  });

  // The file's content never appears in a message (it goes into workflow histories): an unknown
  // label is described by its column and the label set, not repeated.
  it('unknown label: names the column and the allowed labels, not the value', async () => {
    const error = await expectDataError(
      readToy('id,text,intent\n1,wake me up,alarm_query\n2,play jazz,play_music\n'),
      3,
      /the label \(column "intent"\) is not in the label set \(alarm_query, weather_query\)/,
    );
    expect(error.file).toBe(path.join(directory, 'toy-en-train.csv'));
    expect(error.message).not.toContain('play_music');
  });

  it('unknown label that differs only in case: names the label of the set it resembles', async () => {
    await expectDataError(readToy('id,text,intent\n1,wake me up,Alarm_Query\n'), 2, /differs from "alarm_query" only in upper\/lower case/);
  });

  it('unknown label after a multi-line quoted field reports the row start line', async () => {
    await expectDataError(
      readToy('id,text,intent\n1,"line one\nline two",alarm_query\n2,oops,nope\n'),
      4,
      /the label \(column "intent"\) is not in the label set/,
    );
  });

  it('missing column: names the configured columns the header has, not the header', async () => {
    const error = await expectDataError(
      readToy('id,sentence,intent\n1,wake me up,alarm_query\n'),
      1,
      /missing column "text" \(for text\): the header has 3 fields, with column "id" and column "intent"/,
    );
    expect(error.message).not.toContain('sentence');
  });

  it('wrong delimiter: the header is one field holding another delimiter', async () => {
    await expectDataError(readToy('id;text;intent\n1;wake me up;alarm_query\n'), 1, /header is one field holding a semicolon: is the file semicolon-separated\?/);
  });

  it('Latin-1 bytes are an error naming the line, never U+FFFD', async () => {
    await writeFile(path.join(directory, 'toy-en-train.csv'), Buffer.concat([Buffer.from('id,text,intent\n1,wake me,alarm_query\n2,caf'), Buffer.from([0xe9]), Buffer.from(',alarm_query\n')]));
    await expectDataError(readSplit(csvSpec(), { dataRoot: directory, language: 'en', split: 'train' }), 3, /invalid UTF-8 .* Latin-1/);
  });

  it('repeated ids in a training split name both lines', async () => {
    await expectDataError(readToy('id,text,intent\n1,wake me up,alarm_query\n1,rain?,weather_query\n'), 3, /repeats the id of line 2/);
  });

  it('empty file and header-only file', async () => {
    await expectDataError(readToy(''), 1, /the file is empty/);
    await expectDataError(readToy('id,text,intent\n'), 1, /header but no data rows/);
  });

  it('row with too few fields, empty text, unclosed quote', async () => {
    await expectDataError(readToy('id,text,intent\n1,wake me up,alarm_query\n2,rain\n'), 3, /too few fields: the row has 2, the header has 3/);
    await expectDataError(readToy('id,text,intent\n1,  ,alarm_query\n'), 2, /empty text/);
    await expectDataError(readToy('id,text,intent\n1,wake me up,alarm_query\n2,"never closed,alarm_query\n'), 3, /never closed/);
  });

  it('quoted commas and line breaks, then a ragged row: the file and the ragged row\'s line are named', async () => {
    await expectDataError(
      readToy('id,text,intent\n1,"set it, please,\nfor 7",alarm_query\n2,"rain, or\r\nsun?",weather_query,extra\n'),
      4,
      /too many fields: the row has 4, the header has 3/,
    );
    await expectDataError(readToy('id,text,intent\n1,"a,\nb",alarm_query\n\n2,"c, d"\n'), 5, /too few fields: the row has 2, the header has 3/);
  });

  it('text after a closing quote names the line', async () => {
    await expectDataError(readToy('id,text,intent\n1,"wake"me,alarm_query\n'), 2, /unexpected text after a closing quote/);
  });

  it('TSV with a byte-order mark: the header is found, quotes stay literal (SIB-200 texts hold quotes)', async () => {
    const spec = parseDatasetSpec({
      name: 'topics',
      task: 'topic',
      labelKind: 'topic',
      format: 'tsv',
      files: { test: 'topics.tsv' },
      columns: { id: 'index_id', text: 'text', label: 'category' },
      labels: ['sports', 'travel'],
      languages: ['en'],
    });
    await writeFile(path.join(directory, 'topics.tsv'), '\uFEFFindex_id\tcategory\ttext\r\n7\tsports\tHe said "goal\r\n8\ttravel\t"Go," she wrote.\r\n');
    expect(await readSplit(spec, { dataRoot: directory, language: 'en', split: 'test' })).toEqual([
      { id: '7', text: 'He said "goal', label: 'sports' },
      { id: '8', text: '"Go," she wrote.', label: 'travel' },
    ]);
  });

  it('missing file', async () => {
    const spec = csvSpec({ files: { train: 'absent-{lang}.csv', test: 'toy-{lang}-test.csv' } });
    const error = await readSplit(spec, { dataRoot: directory, language: 'en', split: 'train' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toContain(path.join(directory, 'absent-en.csv'));
    expect((error as DataError).message).toMatch(/line 0: file not found/);
  });

  it('language or split not available for the dataset', async () => {
    await expect(readSplit(csvSpec(), { dataRoot: directory, language: 'de', split: 'train' })).rejects.toThrow(
      /toy has no train data for language "de" \(available: en, th\)/,
    );
    await expect(readSplit(csvSpec(), { dataRoot: directory, language: 'en', split: 'dev' })).rejects.toThrow(DataError);
  });

  it('headerless TSV: ids from line numbers, quotes literal, wrong field count is an error', async () => {
    const spec = parseDatasetSpec({
      name: 'pairs',
      task: 'nli',
      labelKind: 'relation',
      format: 'tsv-headerless',
      files: { test: 'pairs-{lang}.tsv' },
      columns: { text: 0, textPair: 1, label: 2 },
      labels: ['entailment', 'neutral', 'contradiction'],
      languages: ['en'],
    });
    await writeFile(path.join(directory, 'pairs-en.tsv'), 'He said "hi\tA greeting\tentailment\r\n\r\nX\tY\tneutral\n');
    const examples = await readSplit(spec, { dataRoot: directory, language: 'en', split: 'test' });
    expect(examples).toEqual([
      { id: 'test-1', text: 'He said "hi', textPair: 'A greeting', label: 'entailment' },
      { id: 'test-3', text: 'X', textPair: 'Y', label: 'neutral' },
    ]);
    await writeFile(path.join(directory, 'pairs-en.tsv'), 'a\tb\tneutral\nc\td\n');
    await expect(readSplit(spec, { dataRoot: directory, language: 'en', split: 'test' })).rejects.toThrow(
      /pairs-en\.tsv, line 2: too few fields: the row has 2, the first row has 3/,
    );
  });

  it('labelMap: an unmapped raw value is reported without repeating it', async () => {
    const spec = parseDatasetSpec({
      name: 'mapped',
      task: 'sentiment',
      labelKind: 'sentiment',
      format: 'tsv',
      files: { test: 'mapped.tsv' },
      columns: { text: 'text', label: 'label' },
      labelMap: { '0': 'negative', '1': 'positive' },
      labels: ['negative', 'positive'],
      languages: ['en'],
    });
    await writeFile(path.join(directory, 'mapped.tsv'), 'label\ttext\n0\tbad film\n7\tstrange\n');
    await expect(readSplit(spec, { dataRoot: directory, language: 'en', split: 'test' })).rejects.toThrow(
      /mapped\.tsv, line 3: the label \(column "label"\) is not in the label set \(negative, positive\) nor a key of labelMap \(0, 1\)/,
    );
  });
});
