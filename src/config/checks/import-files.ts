/**
 * Pre-flight of imported generations: reads every import's file, checks each row against its
 * task's labels (one problem naming `file:line` and what is wrong), and pins the file by its
 * sha256 in the config, so the plan keys the product by the file's content.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { DatasetSpec } from '../../data/dataset-spec';
import { ImportFileError, importFormatOf, readImportRows } from '../../data/import-file';
import type { ConfigProblem } from '../load';
import type { ImportSettings } from '../schema';

export interface ResolvedImports {
  /** The imports with absolute paths and their files' sha256; undefined when there were problems. */
  imports: ImportSettings[] | undefined;
  problems: ConfigProblem[];
}

/** Relative import paths are read from the config file's folder. */
export function importPath(entry: Pick<ImportSettings, 'path'>, configPath: string): string {
  return isAbsolute(entry.path) ? entry.path : resolve(dirname(configPath), entry.path);
}

export async function resolveImportFiles(imports: readonly ImportSettings[], datasets: Record<string, DatasetSpec>, configPath: string): Promise<ResolvedImports> {
  const results = await Promise.all(imports.map((entry, index) => resolveOne(entry, index, datasets[entry.task], configPath)));
  const resolved: ImportSettings[] = [];
  const problems: ConfigProblem[] = [];
  for (const result of results) {
    if ('problem' in result) problems.push(result.problem);
    else resolved.push(result.entry);
  }
  return problems.length > 0 ? { imports: undefined, problems } : { imports: resolved, problems: [] };
}

async function resolveOne(entry: ImportSettings, index: number, dataset: DatasetSpec | undefined, configPath: string): Promise<{ entry: ImportSettings } | { problem: ConfigProblem }> {
  const field = `imports.${index}`;
  const path = importPath(entry, configPath);
  const fail = (message: string) => ({ problem: { field, message } });
  if (dataset === undefined) return fail(`task "${entry.task}" has no dataset spec`);
  const format = entry.format ?? importFormatOf(path);
  if (format === undefined) return fail(`${path}: cannot tell the format from the file name; set format to csv, tsv or jsonl`);
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`}`);
  }
  const sha256 = createHash('sha256').update(content).digest('hex');
  if (entry.sha256 !== undefined && entry.sha256 !== sha256) return fail(`${path}: has sha256 ${sha256}, the config pins ${entry.sha256}`);
  const columns = { text: entry.columns?.text ?? 'text', label: entry.columns?.label ?? 'label', textPair: entry.columns?.textPair, labelSource: entry.columns?.labelSource, metadata: entry.columns?.metadata };
  try {
    readImportRows(content, { format, columns, labels: dataset.labels, pairs: dataset.columns.textPair !== undefined });
  } catch (error) {
    if (error instanceof ImportFileError) return fail(`${path}:${error.line}: ${error.problem}`);
    throw error;
  }
  return { entry: { ...entry, path, format, sha256 } };
}
