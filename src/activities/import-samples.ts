/**
 * Import stage of an imported data product: reads the file the plan pinned by its sha256 and
 * writes its rows as candidates, each with its origin (file, sha256, line), for dedupe and annotate.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ImportFileError, readImportRows } from '../data/import-file';
import { DataError } from '../data/readers';
import { importSamplesInputSchema, type ImportSamplesInput, type ImportSamplesOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { countByLabel } from './rows';

export function createImportSamplesActivity(deps: ActivityDeps) {
  return async function importSamples(rawInput: ImportSamplesInput): Promise<ImportSamplesOutput> {
    const { source, labels, pairs } = importSamplesInputSchema.parse(rawInput);
    let content: Buffer;
    try {
      content = await readFile(source.path);
    } catch (error) {
      throw new DataError(`import ${source.name}: cannot read ${source.path}: ${(error as Error).message}`);
    }
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (sha256 !== source.sha256) {
      throw new DataError(`import ${source.name}: ${source.path} has sha256 ${sha256}, the plan was made for ${source.sha256}; the file changed since, so plan the sweep again`);
    }
    let rows;
    try {
      rows = readImportRows(content, { format: source.format, columns: source.columns, labels, pairs });
    } catch (error) {
      if (error instanceof ImportFileError) throw new DataError(`${source.path}:${error.line}: ${error.problem}`);
      throw error;
    }
    const candidates = rows.map((row) => ({
      id: `line-${row.line}`,
      label: row.label,
      text: row.text,
      ...(row.textPair === undefined ? {} : { textPair: row.textPair }),
      labelSource: row.labelSource,
      origin: { kind: 'file' as const, file: source.path, sha256, line: row.line },
      ...(row.metadata === undefined ? {} : { metadata: row.metadata }),
    }));
    return { candidates: await deps.store.putJsonl(candidates), demos: await deps.store.putJson({}), importedByLabel: countByLabel(candidates) };
  };
}
