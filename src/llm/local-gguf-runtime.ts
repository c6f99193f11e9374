import { existsSync } from 'node:fs';
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel } from 'node-llama-cpp';
import { modelFileMissing, modelLoadFailed } from './errors';
import { createResourcePool, type ResourcePool } from './resource-pool';

/**
 * Process-wide caches, so that a worker which builds its activities many times loads each GGUF file
 * once and shares one context per (model, context size, sequences, threads) combination.
 */
const llamaByGpu = new Map<string, Promise<Llama>>();
const modelByKey = new Map<string, Promise<LlamaModel>>();
const contextByKey = new Map<string, { loading: Promise<SharedContext>; users: number }>();

export type GpuSetting = false | 'auto';

export interface ContextSpec {
  modelPath: string;
  gpu: GpuSetting;
  contextSize: number;
  sequences: number;
  threads: number;
}

export interface SharedContext {
  model: LlamaModel;
  context: LlamaContext;
  sequences: ResourcePool<LlamaContextSequence>;
}

function loadLlama(gpu: GpuSetting): Promise<Llama> {
  const key = String(gpu);
  let loading = llamaByGpu.get(key);
  if (!loading) {
    // build: 'never' — use the prebuilt binaries; compiling llama.cpp inside a worker is never wanted.
    loading = getLlama({ build: 'never', gpu, logLevel: LlamaLogLevel.error });
    forgetOnFailure(llamaByGpu, key, loading);
  }
  return loading;
}

export function loadModel(modelPath: string, gpu: GpuSetting): Promise<LlamaModel> {
  const key = `${gpu}:${modelPath}`;
  let loading = modelByKey.get(key);
  if (!loading) {
    loading = (async () => {
      if (!existsSync(modelPath)) throw modelFileMissing(modelPath);
      const llama = await loadLlama(gpu);
      try {
        return await llama.loadModel({ modelPath });
      } catch (error) {
        throw modelLoadFailed(modelPath, error);
      }
    })();
    forgetOnFailure(modelByKey, key, loading);
  }
  return loading;
}

/** Borrow a shared context; pair every call with `releaseContext(spec)`. */
export function acquireContext(spec: ContextSpec): Promise<SharedContext> {
  const key = contextKey(spec);
  const existing = contextByKey.get(key);
  if (existing) {
    existing.users += 1;
    return existing.loading;
  }
  const loading = (async (): Promise<SharedContext> => {
    const model = await loadModel(spec.modelPath, spec.gpu);
    const context = await model.createContext({
      contextSize: spec.contextSize,
      sequences: spec.sequences,
      // Measured on a 2-core box: the library's default thread count made generation ~1000x slower.
      threads: spec.threads,
    });
    const sequences = Array.from({ length: spec.sequences }, () => context.getSequence());
    return { model, context, sequences: createResourcePool(sequences) };
  })();
  const entry = { loading, users: 1 };
  contextByKey.set(key, entry);
  loading.catch(() => {
    if (contextByKey.get(key) === entry) contextByKey.delete(key);
  });
  return loading;
}

export async function releaseContext(spec: ContextSpec): Promise<void> {
  const key = contextKey(spec);
  const entry = contextByKey.get(key);
  if (!entry) return;
  entry.users -= 1;
  if (entry.users > 0) return;
  contextByKey.delete(key);
  const shared = await entry.loading.catch(() => undefined);
  await shared?.context.dispose();
}

/** Frees every cached context and model (process shutdown, test teardown). */
export async function unloadAllLocalModels(): Promise<void> {
  const contexts = [...contextByKey.values()];
  contextByKey.clear();
  const models = [...modelByKey.values()];
  modelByKey.clear();
  for (const entry of contexts) {
    const shared = await entry.loading.catch(() => undefined);
    await shared?.context.dispose();
  }
  for (const loading of models) {
    const model = await loading.catch(() => undefined);
    await model?.dispose();
  }
}

function contextKey(spec: ContextSpec): string {
  return JSON.stringify([spec.modelPath, spec.gpu, spec.contextSize, spec.sequences, spec.threads]);
}

function forgetOnFailure<T>(cache: Map<string, Promise<T>>, key: string, loading: Promise<T>): void {
  cache.set(key, loading);
  loading.catch(() => {
    if (cache.get(key) === loading) cache.delete(key);
  });
}
