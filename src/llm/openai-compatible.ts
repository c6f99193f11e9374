import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { ApplicationFailure } from '@temporalio/common';
import { classifyRemoteError, LlmFailureType, type RemoteErrorContext } from './errors';
import { retryFaults } from './fault-retry';
import type { Env } from './packaged-models';
import type { OpenAICompatibleConfig } from './provider-config';
import { providerLoadFor } from './provider-load';
import type { CompletionResult, LanguageModel } from './types';

export interface OpenAICompatibleDeps {
  fetch?: typeof fetch;
  env?: Env;
}

/** Sent when the key variable is unset: local servers (llama.cpp, vLLM) usually need no key. */
const PLACEHOLDER_API_KEY = 'not-needed';

/**
 * An empty completion is retried as a fault this many times, then accepted: a model may truly
 * answer nothing (and would again, at a fixed seed), and that must not spend the fault budget.
 */
const EMPTY_REPLY_RETRIES = 3;

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

/**
 * The reply's log-probability: the sum over its tokens' `logprobs.content[].logprob`, as OpenAI,
 * vLLM and llama.cpp servers return them when asked; nothing when the choice carries none.
 */
export function logprobOf(choice: { logprobs?: { content?: ({ logprob?: unknown } | null)[] | null } | null } | undefined): { logprob?: number } {
  const content = choice?.logprobs?.content;
  if (!Array.isArray(content) || content.length === 0) return {};
  let sum = 0;
  for (const token of content) {
    const value = token?.logprob;
    if (typeof value !== 'number' || !Number.isFinite(value)) return {};
    sum += value;
  }
  return { logprob: sum };
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
    // Faults are retried per request by retryFaults (with the shared adaptive concurrency), not by the client.
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
  // Shared with every other model instance of this process for the same server and model.
  const load = providerLoadFor({ baseURL: config.baseURL, model: config.model }, config.concurrency);

  return {
    id: `openai-compatible:${config.model}`,
    contextSize: config.contextSize,
    concurrency: config.concurrency,
    ...(config.constrainChoices === undefined ? {} : { choiceConstraint: config.constrainChoices }),

    complete(request) {
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
        // llama-cpp-python's server returns log-probabilities only when top_logprobs is set too.
        ...(request.logprobs === true ? { logprobs: true, top_logprobs: 1 } : {}),
      };
      let emptyReplies = 0;
      const attempt = async (): Promise<CompletionResult> => {
        let response: OpenAI.Chat.Completions.ChatCompletion;
        const sent = performance.now();
        const linked = linkedSignal(request.signal);
        try {
          response = await client.chat.completions.create(body, linked ? { signal: linked.signal } : {});
        } catch (error) {
          throw classifyRemoteError(error, errorContext);
        } finally {
          linked?.dispose();
        }
        const backendMs = performance.now() - sent;
        // A proxy or a broken server may answer 200 with something that is not a completion.
        const choice = Array.isArray(response?.choices) ? response.choices[0] : undefined;
        if (!choice || typeof choice.message !== 'object' || choice.message === null) {
          throw ApplicationFailure.create({
            type: Array.isArray(response?.choices) ? LlmFailureType.ServerError : LlmFailureType.MalformedReply,
            nonRetryable: false,
            message: `LLM server ${config.baseURL} returned no usable choice for model "${config.model}"`,
          });
        }
        const text = choice.message.content ?? '';
        if (text.trim() === '' && emptyReplies < EMPTY_REPLY_RETRIES) {
          emptyReplies += 1;
          throw ApplicationFailure.create({
            type: LlmFailureType.EmptyReply,
            nonRetryable: false,
            message: `LLM server ${config.baseURL} returned an empty completion for model "${config.model}"`,
          });
        }
        return {
          text,
          finishReason: choice.finish_reason === 'stop' ? 'stop' : choice.finish_reason === 'length' ? 'length' : 'other',
          usage: {
            promptTokens: response.usage?.prompt_tokens ?? approximateTokenCount(request.messages.map((m) => m.content).join('\n')),
            completionTokens: response.usage?.completion_tokens ?? approximateTokenCount(text),
          },
          backendMs,
          model: response.model || config.model,
          ...logprobOf(request.logprobs === true ? choice : undefined),
        };
      };
      return retryFaults(() => load.concurrency.run(attempt, request.signal), {
        budgetMs: config.faultBudgetSeconds * 1000,
        signal: request.signal,
        onFault: (fault) => {
          load.recordFault(fault);
          request.onFault?.(fault);
        },
      });
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
 * A signal for one HTTP call that follows the request's. The client adds an abort listener to the
 * signal it is given and never removes it; given the activity's cancellation signal directly, every
 * call and every retry of a long activity would leave one behind.
 */
function linkedSignal(parent: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } | undefined {
  if (!parent) return undefined;
  const controller = new AbortController();
  const abort = () => controller.abort(parent.reason);
  if (parent.aborted) abort();
  else parent.addEventListener('abort', abort, { once: true });
  return { signal: controller.signal, dispose: () => parent.removeEventListener('abort', abort) };
}

/**
 * No tokenizer is available over the OpenAI API. One token per 3 UTF-8 bytes over-counts English a
 * little and stays close for non-Latin scripts, which is the safe side for context budgeting.
 */
export function approximateTokenCount(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}
