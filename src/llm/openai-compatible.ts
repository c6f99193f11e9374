import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { ApplicationFailure } from '@temporalio/common';
import { classifyRemoteError, LlmFailureType, type RemoteErrorContext } from './errors';
import { createLimiter } from './limiter';
import type { Env } from './packaged-models';
import type { OpenAICompatibleConfig } from './provider-config';
import type { CompletionResult, LanguageModel } from './types';

export interface OpenAICompatibleDeps {
  fetch?: typeof fetch;
  env?: Env;
}

/** Sent when the key variable is unset: local servers (llama.cpp, vLLM) usually need no key. */
const PLACEHOLDER_API_KEY = 'not-needed';

type ChatRequestBody = ChatCompletionCreateParamsNonStreaming & {
  repetition_penalty?: number;
  repeat_penalty?: number;
  /** vLLM: the reply is one of these strings. */
  guided_choice?: string[];
};

/** The body fields that constrain the reply to `choices`, as the provider opted in; none otherwise. */
export function choiceConstraintFields(constraint: OpenAICompatibleConfig['constrainChoices'], choices: readonly string[] | undefined): Partial<ChatRequestBody> {
  if (constraint === undefined || choices === undefined || choices.length === 0) return {};
  if (constraint === 'guided-choice') return { guided_choice: [...choices] };
  return {
    response_format: { type: 'json_schema', json_schema: { name: 'label', strict: true, schema: { type: 'string', enum: [...choices] } } },
  };
}

export function createOpenAICompatibleModel(
  config: OpenAICompatibleConfig,
  deps: OpenAICompatibleDeps = {},
): LanguageModel {
  const env = deps.env ?? process.env;
  const apiKey = env[config.apiKeyEnv] || PLACEHOLDER_API_KEY;
  const client = new OpenAI({
    apiKey,
    baseURL: config.baseURL,
    // Temporal owns retries; the client must fail fast so each attempt is one HTTP call.
    maxRetries: 0,
    timeout: config.timeoutMs,
    // Explicit nulls stop the client from picking up OPENAI_ORG_ID / OPENAI_PROJECT_ID from the process.
    organization: null,
    project: null,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const errorContext: RemoteErrorContext = {
    baseURL: config.baseURL,
    model: config.model,
    apiKeyEnv: config.apiKeyEnv,
    apiKeyIsSet: apiKey !== PLACEHOLDER_API_KEY,
    secrets: apiKey === PLACEHOLDER_API_KEY ? [] : [apiKey],
  };
  const limiter = createLimiter(config.concurrency);

  return {
    id: `openai-compatible:${config.model}`,
    contextSize: config.contextSize,
    concurrency: config.concurrency,
    ...(config.constrainChoices === undefined ? {} : { choiceConstraint: config.constrainChoices }),

    complete(request) {
      return limiter.run(async (): Promise<CompletionResult> => {
        const { sampling } = request;
        const body: ChatRequestBody = {
          model: config.model,
          messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
          temperature: sampling.temperature,
          top_p: sampling.topP,
          max_tokens: sampling.maxTokens,
          ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
          // Non-standard: vLLM reads `repetition_penalty`, llama.cpp servers read `repeat_penalty`.
          // Omitted at the neutral value so strict servers (api.openai.com) are not sent unknown fields.
          ...(sampling.repetitionPenalty === 1
            ? {}
            : { repetition_penalty: sampling.repetitionPenalty, repeat_penalty: sampling.repetitionPenalty }),
          ...choiceConstraintFields(config.constrainChoices, request.choices),
        };
        let response: OpenAI.Chat.Completions.ChatCompletion;
        try {
          response = await client.chat.completions.create(body, request.signal ? { signal: request.signal } : {});
        } catch (error) {
          throw classifyRemoteError(error, errorContext);
        }
        const choice = response.choices[0];
        if (!choice) {
          throw ApplicationFailure.create({
            type: LlmFailureType.ServerError,
            nonRetryable: false,
            message: `LLM server ${config.baseURL} returned no choices for model "${config.model}"`,
          });
        }
        const text = choice.message.content ?? '';
        return {
          text,
          finishReason: choice.finish_reason === 'stop' ? 'stop' : choice.finish_reason === 'length' ? 'length' : 'other',
          usage: {
            promptTokens: response.usage?.prompt_tokens ?? approximateTokenCount(request.messages.map((m) => m.content).join('\n')),
            completionTokens: response.usage?.completion_tokens ?? approximateTokenCount(text),
          },
          model: response.model || config.model,
        };
      }, request.signal);
    },

    async countTokens(text) {
      return approximateTokenCount(text);
    },

    async close() {
      // The client holds no open resources beyond keep-alive sockets, which the runtime reclaims.
    },
  };
}

/**
 * No tokenizer is available over the OpenAI API. One token per 3 UTF-8 bytes over-counts English a
 * little and stays close for non-Latin scripts, which is the safe side for context budgeting.
 */
export function approximateTokenCount(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}
