/**
 * A sweep's results as the report needs them, read from the sweep records: the cells and data
 * products its current manifest plans, where a record for exactly that cell exists.
 */
import type { SweepRecordsReader } from '../artifacts/record-files';
import type { CellResult, DataProductResult, FailedItem, GeneratorPrice } from '../artifacts/results';

export interface SweepReportData<Cell = CellResult, Product = DataProductResult> {
  sweepId: string;
  cells: Cell[];
  dataProducts: Product[];
  failed: FailedItem[];
  /** Planned cells that have no record (failed, cancelled or not run yet). */
  missingCells: string[];
  /** Each generator's price per 1k tokens, where the config gave one. */
  prices: Record<string, GeneratorPrice>;
}

export async function loadSweepResults<Cell extends { key: string } = CellResult, Product extends { key: string } = DataProductResult>(
  records: SweepRecordsReader<Cell, Product>,
  sweepId: string,
  failed: FailedItem[] = [],
): Promise<SweepReportData<Cell, Product>> {
  const manifest = await records.readManifest(sweepId);
  if (!manifest) throw new Error(`no records for ${sweepId} under ${records.root}: was it run with this state folder?`);
  const cellRecords = await records.readCells(sweepId);
  const productRecords = await records.readDataProducts(sweepId);
  const cells: Cell[] = [];
  const missingCells: string[] = [];
  for (const planned of manifest.cells) {
    const record = cellRecords.get(planned.key);
    if (record && record.specHash === planned.specHash) cells.push(record.result);
    else missingCells.push(planned.key);
  }
  const dataProducts = manifest.dataProducts.flatMap((key) => {
    const product = productRecords.get(key);
    return product ? [product] : [];
  });
  return { sweepId, cells, dataProducts, failed, missingCells, prices: manifest.prices ?? {} };
}
