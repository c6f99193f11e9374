/**
 * The sweep records folder: one JSON file per finished cell and per finished data product of a
 * sweep, named by its key, plus the sweep's manifest (the keys its current config plans). Files
 * are written atomically and named by key, so a cell that runs twice (a retried activity, a
 * resumed sweep) leaves one record, never two. The report reads these instead of workflow history.
 *
 *   <root>/<sweep>/manifest.json
 *   <root>/<sweep>/cells/<cell key>.json       { specHash, result }
 *   <root>/<sweep>/products/<product key>.json { result }
 *   <root>/<sweep>/teachers/<teacher key>.json { result }   (study D)
 */
import { join } from 'node:path';
import { z } from 'zod';
import { cellResultSchema, dataProductResultSchema, generatorPriceSchema, teacherOutcomeSchema, type CellResult, type DataProductResult, type TeacherOutcome } from './results';
import { readRecordFile, readRecordFolder, readResultFolder } from './record-files';
import { writeFileAtomic } from './store';
import {
  CELL_RECORDS_FOLDER,
  MANIFEST_FILE,
  PRODUCT_RECORDS_FOLDER,
  recordFileName,
  sweepRecordsFolder,
  sweepRecordsRoot,
  TEACHER_RECORDS_FOLDER,
} from './sweep-records-layout';

const cellRecordSchema = z.strictObject({ specHash: z.string(), result: cellResultSchema });
const productRecordSchema = z.strictObject({ result: dataProductResultSchema });
const teacherRecordSchema = z.strictObject({ result: teacherOutcomeSchema });
const manifestSchema = z.strictObject({
  sweepId: z.string(),
  configHash: z.string(),
  cells: z.array(z.strictObject({ key: z.string(), specHash: z.string() })),
  dataProducts: z.array(z.string()),
  /** Each generator's price per 1k tokens, where the config gives one (absent in manifests written before prices). */
  prices: z.record(z.string(), generatorPriceSchema).optional(),
});

export type CellRecord = z.infer<typeof cellRecordSchema>;
export type SweepManifest = z.infer<typeof manifestSchema>;

export { SweepRecordsError } from './record-files';

export class SweepRecords {
  constructor(readonly root: string) {}

  folderOf(sweepId: string): string {
    return sweepRecordsFolder(this.root, sweepId);
  }

  async writeManifest(manifest: SweepManifest): Promise<void> {
    await writeFileAtomic(join(this.folderOf(manifest.sweepId), MANIFEST_FILE), JSON.stringify(manifestSchema.parse(manifest)));
  }

  readManifest(sweepId: string): Promise<SweepManifest | undefined> {
    return readRecordFile(manifestSchema, join(this.folderOf(sweepId), MANIFEST_FILE));
  }

  async recordCell(sweepId: string, specHash: string, result: CellResult): Promise<void> {
    const record: CellRecord = { specHash, result: cellResultSchema.parse(result) };
    await writeFileAtomic(this.cellPath(sweepId, result.key), JSON.stringify(record));
  }

  async recordDataProduct(sweepId: string, result: DataProductResult): Promise<void> {
    await writeFileAtomic(this.productPath(sweepId, result.key), JSON.stringify({ result: dataProductResultSchema.parse(result) }));
  }

  async recordTeacher(sweepId: string, result: TeacherOutcome): Promise<void> {
    await writeFileAtomic(join(this.folderOf(sweepId), TEACHER_RECORDS_FOLDER, recordFileName(result.key)), JSON.stringify({ result: teacherOutcomeSchema.parse(result) }));
  }

  /** Every teacher record of the sweep (study D), by teacher key. */
  readTeachers(sweepId: string): Promise<Map<string, TeacherOutcome>> {
    return readResultFolder(join(this.folderOf(sweepId), TEACHER_RECORDS_FOLDER), teacherRecordSchema);
  }

  /** Every cell record of the sweep, by cell key. */
  async readCells(sweepId: string): Promise<Map<string, CellRecord>> {
    return readRecordFolder(join(this.folderOf(sweepId), CELL_RECORDS_FOLDER), cellRecordSchema, (record) => record.result.key);
  }

  /** Every data-product record of the sweep, by product key. */
  readDataProducts(sweepId: string): Promise<Map<string, DataProductResult>> {
    return readResultFolder(join(this.folderOf(sweepId), PRODUCT_RECORDS_FOLDER), productRecordSchema);
  }

  /** Where a cell's record is written. */
  cellPath(sweepId: string, key: string): string {
    return join(this.folderOf(sweepId), CELL_RECORDS_FOLDER, recordFileName(key));
  }

  /** Where a data product's record is written. */
  productPath(sweepId: string, key: string): string {
    return join(this.folderOf(sweepId), PRODUCT_RECORDS_FOLDER, recordFileName(key));
  }
}

/** The records folder that belongs to an artifact store: `<artifacts>/sweeps`. */
export function sweepRecordsOf(store: { root: string }): SweepRecords {
  return new SweepRecords(sweepRecordsRoot(store.root));
}
