import { setTimeout as sleep } from 'node:timers/promises';
import { createLimiter } from '../../src/llm/limiter';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../../src/llm/types';

export type ScriptedReplies = readonly string[] | ((request: CompletionRequest, index: number) => string);

export interface ScriptedModel extends LanguageModel {
  /** Every request received, in order. */
  readonly requests: CompletionRequest[];
  /** Requests being answered right now, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** The requests being answered right now (a reply function sees its own among them). */
  readonly inFlightRequests: ReadonlySet<CompletionRequest>;
}

export interface ScriptedModelOptions {
  id?: string;
  /** Requests answered at once, the rest wait (a provider's limiter); 4 unless set. */
  concurrency?: number;
  /** How long each answer takes; none unless set. */
  latencyMs?: number;
  /** The reply's log-probability, for requests that ask for one (`logprobs`); none unless set. */
  logprob?: (request: CompletionRequest, text: string) => number | undefined;
}

/**
 * A LanguageModel for unit tests of other modules: answers from a script, records every request,
 * and throws when the script runs out rather than inventing an answer.
 */
export function createScriptedModel(replies: ScriptedReplies, options: ScriptedModelOptions = {}): ScriptedModel {
  const requests: CompletionRequest[] = [];
  const concurrency = options.concurrency ?? 4;
  const limiter = createLimiter(concurrency);
  let closed = false;
  const inFlightRequests = new Set<CompletionRequest>();
  let maxInFlight = 0;

  function nextReply(request: CompletionRequest, index: number): string {
    if (typeof replies === 'function') return replies(request, index);
    const reply = replies[index];
    if (reply === undefined) {
      const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
      throw new Error(
        `Scripted model ran out of replies: request #${index + 1} arrived but only ${replies.length} ` +
          `were scripted. Last user message: ${JSON.stringify(lastUser?.content.slice(0, 200) ?? '')}`,
      );
    }
    return reply;
  }

  return {
    id: options.id ?? 'scripted:fake',
    contextSize: undefined,
    concurrency,
    requests,
    inFlightRequests,
    get inFlight() {
      return inFlightRequests.size;
    },
    get maxInFlight() {
      return maxInFlight;
    },

    complete(request) {
      return limiter.run(async () => {
        inFlightRequests.add(request);
        maxInFlight = Math.max(maxInFlight, inFlightRequests.size);
        try {
          return await answer(request);
        } finally {
          inFlightRequests.delete(request);
        }
      }, request.signal);
    },

    async countTokens(text) {
      return countWords(text);
    },

    async close() {
      closed = true;
    },
  };

  async function answer(request: CompletionRequest): Promise<CompletionResult> {
    if (closed) throw new Error('Scripted model used after close()');
    const started = performance.now();
    const index = requests.length;
    requests.push(request);
    const text = nextReply(request, index);
    if (options.latencyMs !== undefined) await sleep(options.latencyMs, undefined, { signal: request.signal });
    const completionTokens = countWords(text);
    const length = completionTokens >= request.sampling.maxTokens;
    return {
      text,
      finishReason: length ? 'length' : 'stop',
      usage: {
        promptTokens: request.messages.reduce((sum, message) => sum + countWords(message.content), 0),
        completionTokens,
      },
      backendMs: performance.now() - started,
      model: options.id ?? 'scripted:fake',
      ...logprobOf(request, text),
    };
  }

  function logprobOf(request: CompletionRequest, text: string): { logprob?: number } {
    if (request.logprobs !== true || options.logprob === undefined) return {};
    const logprob = options.logprob(request, text);
    return logprob === undefined ? {} : { logprob };
  }
}

function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}
