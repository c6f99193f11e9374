/**
 * What a sweep has cost so far, from the records of its finished data products and cells in this
 * machine's state folder (none when the sweep runs elsewhere). Imported lazily by `sweep status`;
 * reads only the records' cost fields, with zod/mini (see sweep-cost-records.ts).
 */
import { SweepCostRecords } from '../artifacts/sweep-cost-records';
import { sweepRecordsRoot } from '../artifacts/sweep-records-layout';
import { artifactsDir } from '../infra/paths';
import { deviceLines, llmTotalsLine, sweepCosts, sweepPrice } from '../report/costs';
import { loadSweepResults } from '../report/load-sweep';

/** The cost lines of `sweep status`; `storeRoot` is the artifact store's folder. */
export async function costSoFarLines(sweepId: string, storeRoot: string = artifactsDir()): Promise<string[]> {
  const data = await loadSweepResults(new SweepCostRecords(sweepRecordsRoot(storeRoot)), sweepId).catch(() => undefined);
  if (!data) return [];
  const costs = sweepCosts(data.dataProducts, data.cells);
  const price = sweepPrice(costs, data.prices);
  const planned = data.cells.length + data.missingCells.length;
  return [
    `cost so far (${data.dataProducts.length} data products and ${data.cells.length}/${planned} cells recorded): ${llmTotalsLine(costs.llm)}` +
      (price ? `, price ${price.amount.toFixed(4)}${price.currency ? ` ${price.currency}` : ''}` : ''),
    ...deviceLines(costs.devices).map((line) => `  ${line}`),
  ];
}
