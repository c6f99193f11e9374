import { availableParallelism } from 'node:os';
import { LlamaChatSession, type ChatHistoryItem, type LlamaContextSequence, type LlamaModel } from 'node-llama-cpp';
import { ApplicationFailure } from '@temporalio/common';
import { labelChoiceGrammar } from './choice-grammar';
import { classifyLocalError, LlmFailureType } from './errors';
import { createLimiter } from './limiter';
import { acquireContext, releaseContext, type ContextSpec, type SharedContext } from './local-gguf-runtime';
import { modelDisplayName, resolveModelPath, type Env } from './packaged-models';
import type { LocalGgufConfig } from './provider-config';
import type { ChatMessage, CompletionRequest, CompletionResult, LanguageModel } from './types';

export interface LocalGgufDeps {
  env?: Env;
}

/**
 * An in-process GGUF model (node-llama-cpp). Loading is lazy (first complete/countTokens) so that
 * construction never fails; a missing file surfaces as a non-retryable `ModelFileMissing` failure.
 */
export function createLocalGgufModel(config: LocalGgufConfig, deps: LocalGgufDeps = {}): LanguageModel {
  const id = `local-gguf:${modelDisplayName(config.model)}`;
  const limiter = createLimiter(config.concurrency);
  let spec: ContextSpec | undefined;
  let shared: Promise<SharedContext> | undefined;
  let closed = false;

  function ensureLoaded(): Promise<SharedContext> {
    if (closed) throw new Error(`${id} is closed`);
    if (!shared) {
      const attempt = (async () => {
        spec = {
          modelPath: resolveModelPath(config.model, deps.env),
          gpu: config.gpu,
          contextSize: config.contextSize,
          sequences: config.concurrency,
          // Leave a core to the worker, Temporal and training: llama.cpp's spinning threads slow
          // down badly when they have to share every core (measured 3-10x on 2 cores).
          threads: config.threads ?? Math.max(1, availableParallelism() - 1),
        };
        return acquireContext(spec);
      })();
      shared = attempt;
      // A failed load is not remembered, so a later attempt (e.g. after `npm run setup`) can succeed.
      attempt.catch(() => {
        if (shared === attempt) shared = undefined;
      });
    }
    return shared;
  }

  return {
    id,
    contextSize: config.contextSize,
    concurrency: config.concurrency,
    choiceConstraint: 'grammar',

    complete(request) {
      return limiter.run(async () => {
        const { model, sequences } = await ensureLoaded();
        try {
          // Timed from the sequence on: loading the model and waiting for a free sequence are not the backend serving this request.
          return await sequences.use((sequence) => generate(model, sequence, request, id), request.signal);
        } catch (error) {
          throw classifyLocalError(error, id);
        }
      }, request.signal);
    },

    async countTokens(text) {
      const { model } = await ensureLoaded();
      return model.tokenize(text).length;
    },

    async close() {
      if (closed) return;
      closed = true;
      const loaded = shared ? await shared.catch(() => undefined) : undefined;
      if (loaded && spec) await releaseContext(spec);
    },
  };
}

const STOP_REASONS = new Set<string>(['eogToken', 'stopGenerationTrigger', 'customStopTrigger']);

async function generate(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  request: CompletionRequest,
  modelId: string,
): Promise<CompletionResult> {
  const started = performance.now();
  const { history, prompt } = toChatHistory(request.messages);
  // Each request is independent: start from an empty sequence and an explicit history (this also
  // replaces node-llama-cpp's default system prompt when the request has none).
  await sequence.clearHistory();
  const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
  try {
    session.setChatHistory(history);
    const promptTokens = session.chatWrapper
      .generateContextState({ chatHistory: [...history, { type: 'user', text: prompt }] })
      .contextText.tokenize(model.tokenizer).length;
    const { sampling } = request;
    // The grammar admits only the choices, so a classifier's answer is always one of its labels.
    const grammar = request.choices === undefined || request.choices.length === 0 ? undefined : await model.llama.createGrammar({ grammar: labelChoiceGrammar(request.choices) });
    let completionTokens = 0;
    const result = await session.promptWithMeta(prompt, {
      maxTokens: sampling.maxTokens,
      temperature: sampling.temperature,
      topP: sampling.topP,
      ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
      repeatPenalty: sampling.repetitionPenalty === 1 ? false : { penalty: sampling.repetitionPenalty },
      ...(grammar === undefined ? {} : { grammar }),
      onToken: (tokens) => {
        completionTokens += tokens.length;
      },
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const finishReason =
      result.stopReason === 'maxTokens' ? 'length' : STOP_REASONS.has(result.stopReason) ? 'stop' : 'other';
    return {
      text: result.responseText,
      finishReason,
      usage: { promptTokens, completionTokens },
      backendMs: performance.now() - started,
      model: modelId,
    };
  } finally {
    session.dispose({ disposeSequence: false });
  }
}

/** Splits messages into node-llama-cpp history plus the final user prompt. */
export function toChatHistory(messages: readonly ChatMessage[]): { history: ChatHistoryItem[]; prompt: string } {
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') {
    throw ApplicationFailure.create({
      type: LlmFailureType.BadRequest,
      nonRetryable: true,
      message: 'A completion request must end with a user message',
    });
  }
  const history: ChatHistoryItem[] = messages.slice(0, -1).map((message): ChatHistoryItem => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  });
  return { history, prompt: last.content };
}
