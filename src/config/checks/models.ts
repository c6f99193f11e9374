/**
 * Pre-flight of the models a sweep uses: each local GGUF generator, the API key variable of each
 * remote one, and the model fine-tuned in every cell, resolved the way the worker resolves them.
 * What is checked is this machine: the CLI's environment stands in for the workers' (on one
 * machine they are the same).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { PackagedModelMissingError, resolveModelReference, type Env } from '../../infra/paths';
import { resolveModelPath } from '../../llm/packaged-models';
import { PACKAGED_MODEL_PREFIX } from '../../shared/constants';
import type { ConfigProblem } from '../load';
import type { GeneratorConfig, SweepConfig } from '../schema';

/** The message of an error thrown while resolving a model (an ApplicationFailure or a plain Error). */
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const GGUF_MAGIC = Buffer.from('GGUF', 'ascii');

/** A local GGUF model: a packaged one installed in the ML venv, or a file that starts like a GGUF file. */
export async function checkGgufModel(model: string, field: string, env: Env): Promise<ConfigProblem[]> {
  let path: string;
  try {
    path = resolveModelPath(model, env);
  } catch (error) {
    return [{ field, message: messageOf(error) }];
  }
  if (model.startsWith(PACKAGED_MODEL_PREFIX)) return [];
  const info = statSync(path, { throwIfNoEntry: false });
  if (info === undefined) return [{ field, file: path, message: 'GGUF model file not found' }];
  if (!info.isFile()) return [{ field, file: path, message: 'not a GGUF model file (a folder, device or pipe)' }];
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (!head.equals(GGUF_MAGIC)) return [{ field, file: path, message: 'not a GGUF model file (it does not start with the bytes "GGUF")' }];
  } finally {
    await handle.close();
  }
  return [];
}

/** Whether the workers will be offline: the ML CLI runs with HF_HUB_OFFLINE=1 unless it is set otherwise. */
export function hubIsOffline(env: Env): boolean {
  return ['1', 'true', 'yes', 'on'].includes((env.HF_HUB_OFFLINE ?? '1').trim().toLowerCase());
}

/** The Hugging Face hub caches transformers looks in, in its order. */
export function huggingFaceCacheDirs(env: Env): string[] {
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return [...new Set([env.HF_HUB_CACHE, env.HUGGINGFACE_HUB_CACHE, env.TRANSFORMERS_CACHE, join(home, 'hub')].filter((dir): dir is string => Boolean(dir)))];
}

/**
 * Whether a hub model's `main` revision is in a local cache with its config
 * (`models--org--name/refs/main` → `snapshots/<commit>/config.json`): what transformers loads
 * offline, and what the ML CLI's `hub_model_is_cached` accepts.
 */
export function hubModelIsCached(modelId: string, env: Env): boolean {
  const folder = `models--${modelId.replaceAll('/', '--')}`;
  return huggingFaceCacheDirs(env).some((cache) => {
    const commit = existsSync(join(cache, folder, 'refs', 'main')) ? readFileSync(join(cache, folder, 'refs', 'main'), 'utf8').trim() : '';
    return commit !== '' && !commit.includes('/') && existsSync(join(cache, folder, 'snapshots', commit, 'config.json'));
  });
}

const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;

/** The encoder every cell fine-tunes: a packaged one, a local model folder, or a hub id (cached, when offline). */
export function checkTrainingModel(model: string, field: string, env: Env): ConfigProblem[] {
  let resolved: string;
  try {
    resolved = resolveModelReference(model, env);
  } catch (error) {
    if (error instanceof PackagedModelMissingError) return [{ field, message: error.message }];
    throw error;
  }
  const looksLikePath = resolved.startsWith('/') || model.startsWith('.') || model.startsWith('~');
  const folder = statSync(resolve(resolved), { throwIfNoEntry: false });
  if (folder?.isDirectory()) {
    return existsSync(join(resolve(resolved), 'config.json')) ? [] : [{ field, file: resolve(resolved), message: 'not a model folder: it has no config.json' }];
  }
  if (model.startsWith('~')) return [{ field, message: 'a path starting with ~ is not expanded; write the full path' }];
  if (looksLikePath) return [{ field, file: resolved, message: folder === undefined ? 'model folder not found' : 'not a model folder (a file, not a folder)' }];
  if (!HUB_ID.test(model)) return [{ field, message: 'neither a local model folder nor a Hugging Face hub id (org/name)' }];
  if (hubIsOffline(env) && !hubModelIsCached(model, env)) {
    return [
      {
        field,
        environment: true,
        message:
          `"${model}" is a Hugging Face hub id, the workers are offline (HF_HUB_OFFLINE is ${env.HF_HUB_OFFLINE === undefined ? 'unset, which means 1' : env.HF_HUB_OFFLINE}), ` +
          `and it is not in the local cache (${huggingFaceCacheDirs(env).join(', ')}); download it where there is network ` +
          `(huggingface-cli download ${model}) into that cache, set HF_HUB_OFFLINE=0 on a machine that may download, or name a local model folder`,
      },
    ];
  }
  return [];
}

export type ModelCheckConfig = Partial<Pick<SweepConfig, 'generators' | 'training' | 'teacher' | 'selection' | 'classifiers' | 'annotation'>>;

/** Every generator's local model, the training model, and study D's teacher and sentence encoder. */
export async function checkModels(config: ModelCheckConfig, env: Env): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  for (const [index, generator] of (config.generators ?? []).entries()) problems.push(...(await checkGenerator(generator, `generators.${index}`, env)));
  // A classifier with its own model (one naming a generator is checked with it).
  for (const [index, classifier] of (config.classifiers ?? []).entries()) {
    if (classifier.provider !== undefined) problems.push(...(await checkGenerator({ name: classifier.name ?? '', provider: classifier.provider }, `classifiers.${index}`, env)));
  }
  // An LLM annotator with its own model (study C).
  for (const [index, annotator] of (config.annotation?.llmAnnotators ?? []).entries()) {
    if (annotator.provider !== undefined) problems.push(...(await checkGenerator({ name: annotator.name, provider: annotator.provider }, `annotation.llmAnnotators.${index}`, env)));
  }
  if (config.training) problems.push(...checkTrainingModel(config.training.model, 'training.model', env));
  if (config.teacher) problems.push(...checkTrainingModel(config.teacher.training.model, 'teacher.training.model', env));
  if (config.selection?.embedding) problems.push(...checkTrainingModel(config.selection.embedding.model, 'selection.embedding.model', env));
  return problems;
}

async function checkGenerator(generator: GeneratorConfig, field: string, env: Env): Promise<ConfigProblem[]> {
  const { provider } = generator;
  if (provider.kind === 'local-gguf') return checkGgufModel(provider.model, `${field}.provider.model`, env);
  const value = env[provider.apiKeyEnv];
  if (value === undefined || value === '') {
    return [
      {
        field: `${field}.provider.apiKeyEnv`,
        environment: true,
        message:
          `the environment variable ${provider.apiKeyEnv} is not set; the workers send its value as the API key ` +
          '(set it, to any value for a server that needs no key, in the environment of this command and of the workers)',
      },
    ];
  }
  return [];
}
