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
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { safeFileSegment } from '../shared/file-names';
import { cellResultSchema, dataProductResultSchema, generatorPriceSchema, teacherOutcomeSchema, type CellResult, type DataProductResult, type TeacherOutcome } from './results';
import { writeFileAtomic } from './store';

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

export class SweepRecordsError extends Error {
  override readonly name = 'SweepRecordsError';
}

export class SweepRecords {
  constructor(readonly root: string) {}

  folderOf(sweepId: string): string {
    return join(this.root, safeFileSegment(sweepId));
  }

  async writeManifest(manifest: SweepManifest): Promise<void> {
    await writeFileAtomic(join(this.folderOf(manifest.sweepId), 'manifest.json'), JSON.stringify(manifestSchema.parse(manifest)));
  }

  async readManifest(sweepId: string): Promise<SweepManifest | undefined> {
    const path = join(this.folderOf(sweepId), 'manifest.json');
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    return text === undefined ? undefined : parseRecord(manifestSchema, text, path);
  }

  async recordCell(sweepId: string, specHash: string, result: CellResult): Promise<void> {
    const record: CellRecord = { specHash, result: cellResultSchema.parse(result) };
    await writeFileAtomic(this.cellPath(sweepId, result.key), JSON.stringify(record));
  }

  async recordDataProduct(sweepId: string, result: DataProductResult): Promise<void> {
    await writeFileAtomic(this.productPath(sweepId, result.key), JSON.stringify({ result: dataProductResultSchema.parse(result) }));
  }

  async recordTeacher(sweepId: string, result: TeacherOutcome): Promise<void> {
    await writeFileAtomic(join(this.folderOf(sweepId), 'teachers', `${safeFileSegment(result.key)}.json`), JSON.stringify({ result: teacherOutcomeSchema.parse(result) }));
  }

  /** Every teacher record of the sweep (study D), by teacher key. */
  async readTeachers(sweepId: string): Promise<Map<string, TeacherOutcome>> {
    const records = await this.readFolder(join(this.folderOf(sweepId), 'teachers'), teacherRecordSchema, (record) => record.result.key);
    return new Map([...records].map(([key, record]) => [key, record.result]));
  }

  /** Every cell record of the sweep, by cell key. */
  async readCells(sweepId: string): Promise<Map<string, CellRecord>> {
    return this.readFolder(join(this.folderOf(sweepId), 'cells'), cellRecordSchema, (record) => record.result.key);
  }

  /** Every data-product record of the sweep, by product key. */
  async readDataProducts(sweepId: string): Promise<Map<string, DataProductResult>> {
    const records = await this.readFolder(join(this.folderOf(sweepId), 'products'), productRecordSchema, (record) => record.result.key);
    return new Map([...records].map(([key, record]) => [key, record.result]));
  }

  /** Where a cell's record is written. */
  cellPath(sweepId: string, key: string): string {
    return join(this.folderOf(sweepId), 'cells', `${safeFileSegment(key)}.json`);
  }

  /** Where a data product's record is written. */
  productPath(sweepId: string, key: string): string {
    return join(this.folderOf(sweepId), 'products', `${safeFileSegment(key)}.json`);
  }

  private async readFolder<T>(folder: string, schema: z.ZodType<T>, keyOf: (record: T) => string): Promise<Map<string, T>> {
    const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const records = new Map<string, T>();
    for (const name of names.filter((entry) => entry.endsWith('.json')).sort()) {
      const path = join(folder, name);
      const record = parseRecord(schema, await readFile(path, 'utf8'), path);
      records.set(keyOf(record), record);
    }
    return records;
  }
}

function parseRecord<T>(schema: z.ZodType<T>, text: string, path: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SweepRecordsError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new SweepRecordsError(`${path} is not a sweep record: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}

/** The records folder that belongs to an artifact store: `<artifacts>/sweeps`. */
export function sweepRecordsOf(store: { root: string }): SweepRecords {
  return new SweepRecords(join(store.root, 'sweeps'));
}
