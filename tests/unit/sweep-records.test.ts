import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SweepRecords, SweepRecordsError } from '../../src/artifacts/sweep-records';
import { loadSweepResults } from '../../src/report/load-sweep';
import { cellResult } from '../helpers/results';

const cell = (key: string, macroF1: number) => cellResult({ key, macroF1 });


describe('sweep records', () => {
  let root: string;
  let records: SweepRecords;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'synthlab-records-'));
    records = new SweepRecords(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps one record per cell key however often it is written, and reports only cells of the current spec', async () => {
    await records.writeManifest({
      sweepId: 'sweep/x',
      configHash: 'h',
      cells: [
        { key: 'a.s1', specHash: 'spec-a' },
        { key: 'b.s1', specHash: 'spec-b-new' },
        { key: 'c.s1', specHash: 'spec-c' },
      ],
      dataProducts: [],
    });
    await records.recordCell('sweep/x', 'spec-a', cell('a.s1', 0.1));
    await records.recordCell('sweep/x', 'spec-a', cell('a.s1', 0.2)); // a retried write
    await records.recordCell('sweep/x', 'spec-b-old', cell('b.s1', 0.3)); // from an older config
    expect(await readdir(join(records.folderOf('sweep/x'), 'cells'))).toEqual(['a.s1.json', 'b.s1.json']);

    const loaded = await loadSweepResults(records, 'sweep/x');
    expect(loaded.cells.map((result) => [result.key, result.macroF1])).toEqual([['a.s1', 0.2]]);
    expect(loaded.missingCells).toEqual(['b.s1', 'c.s1']);
  });

  it('names a damaged record and says what is wrong with it', async () => {
    await records.recordCell('sweep/x', 'spec', cell('a.s1', 0.1));
    await writeFile(join(records.folderOf('sweep/x'), 'cells', 'bad.json'), '{"specHash": "s", "result": {"key": "bad"}}');
    await expect(records.readCells('sweep/x')).rejects.toThrow(SweepRecordsError);
    await expect(records.readCells('sweep/x')).rejects.toThrow(/bad\.json is not a sweep record: result\.kind/);
  });

  it('says when a sweep has no records at all', async () => {
    await expect(loadSweepResults(records, 'sweep/none')).rejects.toThrow(/no records for sweep\/none/);
  });
});
