/**
 * Reading a sweep's record files: JSON, checked by a schema, with errors that name the file. The
 * schema is any zod schema (the full build for the report, zod/mini for `sweep status`'s cost lines);
 * this module loads neither.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratorPrice } from './results';

export class SweepRecordsError extends Error {
  override readonly name = 'SweepRecordsError';
}

/** What a zod schema of either build offers: `safeParse`. */
export interface RecordSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

export function parseRecord<T>(schema: RecordSchema<T>, text: string, path: string): T {
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

/** The record in `path`, or undefined when there is no such file. */
export async function readRecordFile<T>(schema: RecordSchema<T>, path: string): Promise<T | undefined> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? undefined : parseRecord(schema, text, path);
}

/** Every `.json` record in `folder` (none when it does not exist), by the key `keyOf` gives. */
export async function readRecordFolder<T>(folder: string, schema: RecordSchema<T>, keyOf: (record: T) => string): Promise<Map<string, T>> {
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

/** The results of the records in `folder` that are `{ result }` (data products, teachers), by the result's key. */
export async function readResultFolder<T extends { key: string }>(folder: string, schema: RecordSchema<{ result: T }>): Promise<Map<string, T>> {
  const records = await readRecordFolder(folder, schema, (record) => record.result.key);
  return new Map([...records].map(([key, record]) => [key, record.result]));
}

/**
 * What reads a sweep's records: the full records (sweep-records.ts), or only the fields that its
 * costs are computed from (sweep-cost-records.ts).
 */
export interface SweepRecordsReader<Cell extends { key: string }, Product extends { key: string }> {
  readonly root: string;
  readManifest(sweepId: string): Promise<{ cells: { key: string; specHash: string }[]; dataProducts: string[]; prices?: Record<string, GeneratorPrice> | undefined } | undefined>;
  readCells(sweepId: string): Promise<Map<string, { specHash: string; result: Cell }>>;
  readDataProducts(sweepId: string): Promise<Map<string, Product>>;
}
