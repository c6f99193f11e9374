/**
 * Where a sweep's records lie: `<records root>/<sweep>/manifest.json`, `cells/<key>.json`,
 * `products/<key>.json`, `teachers/<key>.json`. Shared by the full records (sweep-records.ts) and
 * the reader of their cost fields (sweep-cost-records.ts). Pure and zod-free.
 */
import { join } from 'node:path';
import { safeFileSegment } from '../shared/file-names';

/** The records root inside an artifact store. */
export const SWEEP_RECORDS_FOLDER = 'sweeps';
export const MANIFEST_FILE = 'manifest.json';
export const CELL_RECORDS_FOLDER = 'cells';
export const PRODUCT_RECORDS_FOLDER = 'products';
export const TEACHER_RECORDS_FOLDER = 'teachers';

/** The records root of an artifact store's folder. */
export function sweepRecordsRoot(storeRoot: string): string {
  return join(storeRoot, SWEEP_RECORDS_FOLDER);
}

/** One sweep's folder under the records root. */
export function sweepRecordsFolder(recordsRoot: string, sweepId: string): string {
  return join(recordsRoot, safeFileSegment(sweepId));
}

/** The file a cell, data product or teacher record of this key is written to, inside its folder. */
export function recordFileName(key: string): string {
  return `${safeFileSegment(key)}.json`;
}
