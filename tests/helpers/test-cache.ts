/**
 * What many test files build the same way, built once per change of its inputs and kept under
 * `.synthlab/test-cache/`: the workflow bundle (seconds of webpack per file) and the tiny model
 * (a Python start with torch per file). Each entry is keyed by a sha256 of every input that can
 * change it, and written to a temporary name and renamed, so files running at once never read
 * half an entry.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { z } from 'zod';
import { mlPython, repoRoot } from '../../src/infra/paths';
import { workflowBundle } from '../../src/workers/create-workers';

const cacheDir = join(repoRoot, '.synthlab', 'test-cache');

/** Every file under `directory` (recursively), sorted: paths and contents both feed the hash. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function keyOf(parts: { label: string; files: string[]; extra?: string }): string {
  const hash = createHash('sha256').update(parts.label).update('\0').update(repoRoot).update('\0').update(parts.extra ?? '');
  for (const file of parts.files) hash.update('\0').update(relative(repoRoot, file)).update('\0').update(readFileSync(file));
  return `${parts.label}-${hash.digest('hex').slice(0, 24)}`;
}

/** Entries kept per label: the newest, for switching between branches; older ones are removed. */
const ENTRIES_KEPT = 3;

/** Moves `temporary` to `final` unless another test file got there first, then drops the oldest entries of its label. */
function publish(temporary: string, final: string, label: string): void {
  try {
    renameSync(temporary, final);
  } catch (error) {
    if (!existsSync(final)) throw error;
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
  const entries = readdirSync(cacheDir)
    .filter((name) => name.startsWith(`${label}-`) && !name.endsWith('.tmp'))
    // Another test file may be pruning at the same time: an entry gone since the listing is skipped.
    .flatMap((name) => {
      const modified = statSync(join(cacheDir, name), { throwIfNoEntry: false })?.mtimeMs;
      return modified === undefined ? [] : [{ path: join(cacheDir, name), modified }];
    })
    .sort((left, right) => right.modified - left.modified);
  for (const entry of entries.slice(ENTRIES_KEPT)) rmSync(entry.path, { recursive: true, force: true });
}

const bundleSchema = z.object({ code: z.string().min(1), sourceMap: z.string() });

/**
 * The workflow bundle `createWorkers` would build, read from the cache when every source file,
 * the lock file (the SDK's own workflow code) and the failure converter are what they were.
 */
export async function cachedWorkflowBundle(failureConverterPath?: string): Promise<WorkflowBundleWithSourceMap> {
  const key = keyOf({ label: 'workflow-bundle', files: [...filesUnder(join(repoRoot, 'src')), join(repoRoot, 'package-lock.json')], extra: failureConverterPath ?? '' });
  const file = join(cacheDir, `${key}.json`);
  if (existsSync(file)) return bundleSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const bundle = await workflowBundle(failureConverterPath);
  mkdirSync(cacheDir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
  publish(temporary, file, 'workflow-bundle');
  return bundle;
}

/**
 * A tiny random BERT with the packaged MiniLM tokenizer (`make-tiny-model`), copied into
 * `directory`: built by the real ML CLI once per version of its code and of the Python lock.
 */
export function cachedTinyModel(directory: string): string {
  if (existsSync(join(directory, 'config.json'))) return directory;
  const mlDir = join(repoRoot, 'ml');
  const key = keyOf({ label: 'tiny-model', files: [join(mlDir, 'synthlab_ml', 'tiny_model.py'), join(mlDir, 'uv.lock')], extra: mlPython });
  const built = join(cacheDir, key);
  if (!existsSync(join(built, 'config.json'))) {
    mkdirSync(cacheDir, { recursive: true });
    const temporary = `${built}.${process.pid}.tmp`;
    rmSync(temporary, { recursive: true, force: true });
    execFileSync(mlPython, ['-m', 'synthlab_ml', 'make-tiny-model', '--output', temporary], { stdio: 'pipe' });
    publish(temporary, built, 'tiny-model');
  }
  cpSync(built, directory, { recursive: true });
  return directory;
}
