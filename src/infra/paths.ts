/**
 * Where things live on this machine: the repo root, the state folder, and the embedded
 * components that set-up installed (resolved once by `python -m synthlab_ml paths`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

function findRepoRoot(start: string): string {
  let directory = start;
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'synthlab') return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`synthlab's package.json not found above ${start}`);
    directory = parent;
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** The state folder: SQLite database, logs, pid files, artifacts. `SYNTHLAB_STATE_DIR` moves it. */
export function stateDir(): string {
  return resolve(process.env.SYNTHLAB_STATE_DIR ?? join(repoRoot, '.synthlab'));
}

/** The artifact store's root inside the state folder (the worker writes there; report and demo read). */
export function artifactsDir(): string {
  return join(stateDir(), 'artifacts');
}

export function resolveFromRepo(path: string): string {
  return isAbsolute(path) ? path : join(repoRoot, path);
}

/** Node's arguments that run the `synthlab` CLI from source with these arguments (`node <these>`). */
export function synthlabCliArgs(...args: string[]): string[] {
  return ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), ...args];
}

export const mlPython = join(repoRoot, 'ml', '.venv', 'bin', 'python');

const embeddedPathsSchema = z.object({
  encoder_minilm: z.string(),
  gguf_smollm2: z.string(),
  temporal: z.string(),
});

export type EmbeddedPaths = z.infer<typeof embeddedPathsSchema>;

let cachedEmbeddedPaths: EmbeddedPaths | undefined;

/** Paths of the packaged Temporal binary and models, as written by `npm run setup`. */
export function embeddedPaths(): EmbeddedPaths {
  if (cachedEmbeddedPaths) return cachedEmbeddedPaths;
  const file = join(repoRoot, '.synthlab', 'paths.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run setup\` first`);
  cachedEmbeddedPaths = embeddedPathsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  return cachedEmbeddedPaths;
}

/** `packaged:<name>` encoder references, resolved to local paths; anything else is returned as given. (GGUF chat models: src/llm/packaged-models.ts.) */
export function resolveModelReference(reference: string): string {
  switch (reference) {
    case 'packaged:all-minilm-l6-v2':
      return embeddedPaths().encoder_minilm;
    default:
      if (reference.startsWith('packaged:')) throw new Error(`unknown packaged model "${reference}"; known: packaged:all-minilm-l6-v2`);
      return reference.startsWith('.') ? resolveFromRepo(reference) : reference;
  }
}
