import { createLocalGgufModel } from './local-gguf';
import { createOpenAICompatibleModel } from './openai-compatible';
import type { Env } from './packaged-models';
import type { ProviderConfig } from './provider-config';
import type { LanguageModel } from './types';

export interface LanguageModelDeps {
  /** Replaces the global fetch for OpenAI-compatible providers. */
  fetch?: typeof fetch;
  /** Where API-key variables and SYNTHLAB_ML_VENV are read from; defaults to process.env. */
  env?: Env;
}

export function createLanguageModel(config: ProviderConfig, deps: LanguageModelDeps = {}): LanguageModel {
  switch (config.kind) {
    case 'local-gguf':
      return createLocalGgufModel(config, { ...(deps.env ? { env: deps.env } : {}) });
    case 'openai-compatible':
      return createOpenAICompatibleModel(config, deps);
  }
}
