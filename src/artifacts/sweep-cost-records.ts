/**
 * The fields of a sweep's records that its costs are computed from (LLM usage, compute seconds,
 * prices, and what the manifest plans), checked with zod's small build, zod/mini. `sweep status`
 * prints the cost so far at every call: loading zod's full build and the whole record schemas took
 * longer than the rest of that command. The report reads the full records (sweep-records.ts).
 * Fields outside these schemas are dropped, not refused: the full schemas check them when written.
 */
import { join } from 'node:path';
import { array, int, minLength, nonnegative, number, object, optional, record, string, type infer as Infer } from 'zod/mini';
import { readRecordFile, readRecordFolder, readResultFolder, type SweepRecordsReader } from './record-files';
import { CELL_RECORDS_FOLDER, MANIFEST_FILE, PRODUCT_RECORDS_FOLDER, sweepRecordsFolder } from './sweep-records-layout';

const count = int().check(nonnegative());
const nonnegativeNumber = number().check(nonnegative());

const llmUsage = object({ requests: count, promptTokens: count, completionTokens: count, backendSeconds: nonnegativeNumber });
const deviceSeconds = object({ device: string().check(minLength(1)), seconds: nonnegativeNumber });

const productCostsSchema = object({
  result: object({
    key: string().check(minLength(1)),
    generator: optional(string()),
    usage: optional(object({ summarizeLabels: optional(llmUsage), generate: llmUsage, revise: optional(llmUsage), translate: optional(llmUsage) })),
    labelDescriptions: optional(object({ sha256: string() })),
  }),
});

const cellCostsSchema = object({
  specHash: string(),
  result: object({
    key: string().check(minLength(1)),
    generator: string(),
    compute: optional(object({ train: deviceSeconds, predict: deviceSeconds })),
    classifier: optional(object({ usage: optional(llmUsage) })),
  }),
});

const manifestCostsSchema = object({
  cells: array(object({ key: string(), specHash: string() })),
  dataProducts: array(string()),
  prices: optional(record(string(), object({ promptPer1kTokens: nonnegativeNumber, completionPer1kTokens: nonnegativeNumber, currency: optional(string()) }))),
});

export type ProductCostRecord = Infer<typeof productCostsSchema>['result'];
export type CellCostRecord = Infer<typeof cellCostsSchema>['result'];

/** Reads the cost fields of the records under `root` (an artifact store's `sweeps` folder). */
export class SweepCostRecords implements SweepRecordsReader<CellCostRecord, ProductCostRecord> {
  constructor(readonly root: string) {}

  readManifest(sweepId: string) {
    return readRecordFile(manifestCostsSchema, join(sweepRecordsFolder(this.root, sweepId), MANIFEST_FILE));
  }

  readCells(sweepId: string) {
    return readRecordFolder(join(sweepRecordsFolder(this.root, sweepId), CELL_RECORDS_FOLDER), cellCostsSchema, (record) => record.result.key);
  }

  readDataProducts(sweepId: string) {
    return readResultFolder(join(sweepRecordsFolder(this.root, sweepId), PRODUCT_RECORDS_FOLDER), productCostsSchema);
  }
}
