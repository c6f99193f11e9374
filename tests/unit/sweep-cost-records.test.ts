import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CellResult, DataProductResult } from '../../src/artifacts/results';
import { SweepCostRecords } from '../../src/artifacts/sweep-cost-records';
import { SweepRecords } from '../../src/artifacts/sweep-records';
import { sweepRecordsRoot } from '../../src/artifacts/sweep-records-layout';
import { costSoFarLines } from '../../src/cli/cost-so-far';
import { sweepCosts, sweepPrice } from '../../src/report/costs';
import { loadSweepResults } from '../../src/report/load-sweep';
import { cellResult, FIXTURE_REF } from '../helpers/results';

const REF = FIXTURE_REF;
const usage = (requests: number, promptTokens: number, completionTokens: number, backendSeconds: number) => ({ requests, promptTokens, completionTokens, backendSeconds });
const counts = { requested: {}, parsed: {}, unique: {}, rejectedByJudge: {}, removedAsDuplicates: {}, kept: {}, shortfall: {} };

function product(key: string, generator: string, extra: Partial<DataProductResult>): DataProductResult {
  return { key, dataset: REF, counts, llmCalls: 3, generator, ...extra };
}

const cell = (key: string, generator: string, extra: Partial<CellResult>) => cellResult({ key, generator, ...extra });

describe('the cost fields of sweep records (what `sweep status` reads)', () => {
  let storeRoot: string;
  let records: SweepRecords;
  beforeEach(async () => {
    storeRoot = await mkdtemp(join(tmpdir(), 'synthlab-cost-records-'));
    records = new SweepRecords(sweepRecordsRoot(storeRoot));
    await records.writeManifest({
      sweepId: 'sweep/x',
      configHash: 'h',
      cells: [
        { key: 'p1.s1', specHash: 'a' },
        { key: 'p2.s1', specHash: 'b' },
        { key: 'clf.s1', specHash: 'c' },
        { key: 'p1.s2', specHash: 'new' },
        { key: 'p2.s2', specHash: 'd' },
      ],
      dataProducts: ['p1', 'p2', 'p3'],
      prices: { big: { promptPer1kTokens: 0.5, completionPer1kTokens: 2, currency: 'USD' }, small: { promptPer1kTokens: 0.1, completionPer1kTokens: 0.2, currency: 'USD' } },
    });
    const labels = { ...REF, sha256: 'b'.repeat(64) };
    await records.recordDataProduct('sweep/x', product('p1', 'big', { labelDescriptions: labels, usage: { summarizeLabels: usage(2, 300, 90, 1.5), generate: usage(10, 12_000, 4_000, 20.25), revise: usage(4, 2_500, 800, 3) } }));
    await records.recordDataProduct('sweep/x', product('p2', 'big', { labelDescriptions: labels, usage: { summarizeLabels: usage(2, 300, 90, 1.5), generate: usage(0, 0, 0, 0), translate: usage(6, 5_000, 5_100, 9.5) } }));
    await records.recordDataProduct('sweep/x', product('p3', 'small', {})); // recorded before usage was counted
    await records.recordDataProduct('sweep/x', product('unplanned', 'small', { usage: { generate: usage(99, 1, 1, 1) } }));
    const compute = (device: string, train: number, predict: number) => ({ train: { device, seconds: train }, predict: { device, seconds: predict } });
    await records.recordCell('sweep/x', 'a', cell('p1.s1', 'big', { compute: compute('cpu', 12.5, 1.25) }));
    await records.recordCell('sweep/x', 'b', cell('p2.s1', 'big', { compute: compute('cuda:0', 3, 0.5) }));
    await records.recordCell(
      'sweep/x',
      'c',
      cell('clf.s1', 'small', { kind: 'classifier', classifier: { name: 'zs', mode: 'zero-shot', n: 100, outOfLabel: 0, outOfLabelRate: 0, constraint: 'grammar', requests: REF, usage: usage(100, 20_000, 300, 40) } }),
    );
    await records.recordCell('sweep/x', 'old', cell('p1.s2', 'big', { compute: compute('cpu', 50, 5) })); // from an older config
  });
  afterEach(async () => {
    await rm(storeRoot, { recursive: true, force: true });
  });

  it('gives the same costs, price and missing cells as the full records', async () => {
    const full = await loadSweepResults(records, 'sweep/x');
    const lean = await loadSweepResults(new SweepCostRecords(records.root), 'sweep/x');
    expect(lean.missingCells).toEqual(full.missingCells);
    expect(lean.missingCells).toEqual(['p1.s2', 'p2.s2']);
    expect(lean.prices).toEqual(full.prices);
    const leanCosts = sweepCosts(lean.dataProducts, lean.cells);
    expect(leanCosts).toEqual(sweepCosts(full.dataProducts, full.cells));
    expect(leanCosts.llm).toEqual(usage(122, 39_800, 10_290, 74.25));
    expect(leanCosts.productsWithoutUsage).toBe(1);
    expect(sweepPrice(leanCosts, lean.prices)).toEqual(sweepPrice(sweepCosts(full.dataProducts, full.cells), full.prices));
  });

  it('prints the cost so far with grouped token counts, the price and each device', async () => {
    expect(await costSoFarLines('sweep/x', storeRoot)).toEqual([
      'cost so far (3 data products and 3/5 cells recorded): 122 LLM requests, 39,800 prompt + 10,290 completion tokens, 74.3 s waiting on the backend, price 31.9400 USD',
      '  cpu: 1 cells trained, train 12.5 s, predict 1.3 s',
      '  cuda:0: 1 cells trained, train 3.0 s, predict 0.5 s',
    ]);
  });

  it('refuses a damaged cost field, naming the file', async () => {
    await writeFile(records.cellPath('sweep/x', 'p2.s2'), JSON.stringify({ specHash: 'd', result: { key: 'p2.s2', generator: 'big', compute: { train: { device: 'cpu', seconds: -1 }, predict: { device: 'cpu', seconds: 1 } } } }));
    await expect(new SweepCostRecords(records.root).readCells('sweep/x')).rejects.toThrow(/p2\.s2\.json is not a sweep record: result\.compute\.train\.seconds/);
    expect(await costSoFarLines('sweep/x', storeRoot)).toEqual([]);
  });
});
