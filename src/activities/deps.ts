/**
 * What activities need from the outside world, passed in by the worker (real clients) or by tests.
 */
import type { ArtifactStore } from '../artifacts/store';
import { createLanguageModel } from '../llm/factory';
import type { ProviderConfig } from '../llm/provider-config';
import type { LanguageModel } from '../llm/types';
import { hashOf } from '../shared/hash';

export interface ModelSource {
  /** The model for a generator's provider config; one instance per distinct config per process. */
  get(provider: ProviderConfig): LanguageModel;
  closeAll(): Promise<void>;
}

export interface ActivityDeps {
  store: ArtifactStore;
  models: ModelSource;
  /** Aborted when the worker gets a preemption notice (SIGTERM): running trainers checkpoint and stop. */
  preemption?: AbortSignal;
}

export function createModelSource(create: (config: ProviderConfig) => LanguageModel = (config) => createLanguageModel(config)): ModelSource {
  const models = new Map<string, LanguageModel>();
  return {
    get(provider) {
      const key = hashOf(provider);
      let model = models.get(key);
      if (!model) {
        model = create(provider);
        models.set(key, model);
      }
      return model;
    },
    async closeAll() {
      await Promise.all([...models.values()].map((model) => model.close()));
      models.clear();
    },
  };
}
