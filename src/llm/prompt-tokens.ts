/**
 * Counts the tokens a chat request's prompt will cost without running the model, for `sweep plan`'s
 * estimate. A local GGUF model is counted exactly as its provider counts a request (the model's own
 * tokenizer over the chat template's rendering), loading only its vocabulary; an OpenAI-compatible
 * server exposes no tokenizer, so its prompts are approximated like the provider does when a
 * server reports no usage (UTF-8 bytes / 3) plus a few tokens of chat template per message.
 */
import { getLlama, LlamaLogLevel, resolveChatWrapper, type LlamaModel } from 'node-llama-cpp';
import { toChatHistory } from './local-gguf';
import { approximateTokenCount } from './openai-compatible';
import { resolveModelPath, type Env } from './packaged-models';
import type { ProviderConfig } from './provider-config';
import type { ChatMessage } from './types';

export interface PromptTokenCounter {
  /** Tokens of the whole prompt the backend sees for these messages. */
  countMessages(messages: readonly ChatMessage[]): number;
  /** Tokens of a plain text (a sample as the model would write it). */
  countText(text: string): number;
  /** Whether counts come from the model's own tokenizer. */
  readonly exact: boolean;
  close(): Promise<void>;
}

/** Chat-template tokens per message an OpenAI-compatible server adds (role markers, separators). */
export const APPROXIMATE_TEMPLATE_TOKENS_PER_MESSAGE = 4;

export async function openPromptTokenCounter(provider: ProviderConfig, env: Env = process.env): Promise<PromptTokenCounter> {
  if (provider.kind === 'openai-compatible') {
    return {
      exact: false,
      countMessages: (messages) =>
        messages.reduce((sum, message) => sum + approximateTokenCount(message.content) + APPROXIMATE_TEMPLATE_TOKENS_PER_MESSAGE, 0),
      countText: (text) => approximateTokenCount(text),
      close: async () => {},
    };
  }
  const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
  const model: LlamaModel = await llama.loadModel({ modelPath: resolveModelPath(provider.model, env), vocabOnly: true });
  const chatWrapper = resolveChatWrapper(model);
  return {
    exact: true,
    countMessages(messages) {
      const { history, prompt } = toChatHistory(messages);
      return chatWrapper.generateContextState({ chatHistory: [...history, { type: 'user', text: prompt }] }).contextText.tokenize(model.tokenizer).length;
    },
    countText: (text) => model.tokenize(text).length,
    close: () => model.dispose(),
  };
}
