export type {
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  LanguageModel,
  SamplingParams,
  TokenUsage,
} from './types';
export {
  localGgufConfigSchema,
  openAICompatibleConfigSchema,
  parseProviderConfig,
  providerConfigSchema,
  type LocalGgufConfig,
  type OpenAICompatibleConfig,
  type ProviderConfig,
  type ProviderConfigInput,
} from './provider-config';
export { createLanguageModel, type LanguageModelDeps } from './factory';
export { createLocalGgufModel } from './local-gguf';
export { unloadAllLocalModels } from './local-gguf-runtime';
export { createOpenAICompatibleModel } from './openai-compatible';
export { packagedModelNames, resolveModelPath, resolvePackagedModelPath } from './packaged-models';
export { classifyHttpStatus, classifyRemoteError, LlmFailureType, parseRetryAfter, scrubSecrets } from './errors';
export { createLimiter, type Limiter } from './limiter';
export { createScriptedModel, type ScriptedModel, type ScriptedReplies } from './fake';
