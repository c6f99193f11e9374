/** Where set-up put the packaged Temporal binary and chat model (.synthlab/paths.json, from `python -m synthlab_ml paths`). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { repoRoot } from './paths';

const embeddedPathsSchema = z.object({
  gguf_smollm2: z.string(),
  temporal: z.string(),
});

export type EmbeddedPaths = z.infer<typeof embeddedPathsSchema>;

let cachedEmbeddedPaths: EmbeddedPaths | undefined;

/** Paths of the packaged Temporal binary and chat model, as written by `npm run setup`. (Encoders: resolveModelReference.) */
export function embeddedPaths(): EmbeddedPaths {
  if (cachedEmbeddedPaths) return cachedEmbeddedPaths;
  const file = join(repoRoot, '.synthlab', 'paths.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run setup\` first`);
  cachedEmbeddedPaths = embeddedPathsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  return cachedEmbeddedPaths;
}

