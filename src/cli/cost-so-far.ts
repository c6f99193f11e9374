/**
 * What a sweep has cost so far, from the records of its finished data products and cells in this
 * machine's state folder (none when the sweep runs elsewhere). Imported lazily by `sweep status`,
 * which otherwise loads only the Temporal client.
 */
import { ArtifactStore } from '../artifacts/store';
import { sweepRecordsOf } from '../artifacts/sweep-records';
import { artifactsDir } from '../infra/paths';
import { deviceLines, llmTotalsLine, sweepCosts, sweepPrice } from '../report/costs';
import { loadSweepResults } from '../report/load-sweep';

export async function costSoFarLines(sweepId: string, recordsRoot: string = artifactsDir()): Promise<string[]> {
  const data = await loadSweepResults(sweepRecordsOf(new ArtifactStore(recordsRoot)), sweepId).catch(() => undefined);
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
