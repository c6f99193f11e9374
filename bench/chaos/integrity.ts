/**
 * What a kill may have left half-written in a run's artifact store. Every artifact write goes to
 * a temporary file renamed into place (writeFileAtomic), and checkpoints to `.tmp-*` folders, so
 * a kill may leave a temporary behind but never a torn file under a final name. Checked here:
 * every blob's sha256 is the one its name says; every JSON file under a final name (sweep
 * records, the index, manifests) parses. Leftover temporaries are counted, not failed: nothing
 * reads them, and they are what a kill mid-write is expected to leave.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { sha256OfFile } from '../../src/artifacts/store';

export interface IntegrityReport {
  blobsChecked: number;
  jsonFilesChecked: number;
  /** Files under final names whose content is not whole (a blob whose hash is not its name, a JSON file that does not parse). */
  halfWritten: string[];
  /** Temporaries of writeFileAtomic (`<name>.<uuid>.tmp`) and the trainer's `.tmp-*` folders that a kill left behind. */
  leftoverTemporaries: string[];
}

const ATOMIC_TEMPORARY = /\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

async function* walk(directory: string): AsyncGenerator<{ path: string; isDirectory: boolean }> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(directory, entry.name);
    yield { path, isDirectory: entry.isDirectory() };
    if (entry.isDirectory()) yield* walk(path);
  }
}

export async function checkArtifactIntegrity(artifactsRoot: string): Promise<IntegrityReport> {
  const report: IntegrityReport = { blobsChecked: 0, jsonFilesChecked: 0, halfWritten: [], leftoverTemporaries: [] };
  for await (const { path, isDirectory } of walk(artifactsRoot)) {
    const name = basename(path);
    const where = relative(artifactsRoot, path);
    if (isDirectory) {
      if (name.startsWith('.tmp-')) report.leftoverTemporaries.push(where);
      continue;
    }
    if (ATOMIC_TEMPORARY.test(name)) {
      report.leftoverTemporaries.push(where);
      continue;
    }
    if (where.startsWith(`blobs/`)) {
      report.blobsChecked++;
      const expected = name.split('.')[0];
      if ((await sha256OfFile(path)) !== expected) report.halfWritten.push(`${where} (sha256 differs from its name)`);
      continue;
    }
    if (name.endsWith('.json') && (where.startsWith('sweeps/') || where.startsWith('index/'))) {
      report.jsonFilesChecked++;
      try {
        JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        report.halfWritten.push(`${where} (${(error as Error).message})`);
      }
    }
  }
  return report;
}

/** Request-log lines (`requests.jsonl` of a generation) that repeat a label's request index: work recorded twice. */
export async function duplicateRequestLines(artifactsRoot: string): Promise<{ logs: number; lines: number; duplicates: string[]; paths: string[] }> {
  const found = { logs: 0, lines: 0, duplicates: [] as string[], paths: [] as string[] };
  for await (const { path, isDirectory } of walk(join(artifactsRoot, 'work'))) {
    if (isDirectory || basename(path) !== 'requests.jsonl') continue;
    found.logs++;
    found.paths.push(relative(artifactsRoot, path));
    const seen = new Set<string>();
    for (const line of (await readFile(path, 'utf8')).split('\n').filter((text) => text.length > 0)) {
      found.lines++;
      const entry = JSON.parse(line) as { label?: unknown; requestIndex?: unknown };
      const key = `${String(entry.label)}#${String(entry.requestIndex)}`;
      if (seen.has(key)) found.duplicates.push(`${relative(artifactsRoot, path)}: ${key}`);
      seen.add(key);
    }
  }
  return found;
}
