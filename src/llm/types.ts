/**
 * The one small interface every LLM backend implements. Core code (activities, stages) depends
 * on this file only, never on a provider module.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface SamplingParams {
  temperature: number;
  topP: number;
  repetitionPenalty: number;
  maxTokens: number;
  /** Sampling seed, where the backend supports one. */
  seed?: number;
}

/** A fault on one request that the provider retries after a backoff (see src/llm/fault-retry.ts). */
export interface RequestFault {
  /** The failure type, e.g. `LlmRateLimited`. */
  type: string;
  /** 1 for the first retry of this request. */
  retry: number;
  /** How long the provider waits before it sends the request again. */
  delayMs: number;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  sampling: SamplingParams;
  signal?: AbortSignal;
  /** Called before each backoff, so a long activity can heartbeat while one of its requests waits to be retried. */
  onFault?: (fault: RequestFault) => void;
  /**
   * The reply must be exactly one of these (an LLM as a classifier): a backend that can constrain
   * its decoding does (a grammar on a local model, guided choice or a JSON schema on a server that
   * opts in); others ignore it and the caller parses the reply strictly.
   */
  choices?: readonly string[];
  /** Ask for the reply's token log-probabilities (an annotator's confidence), where the backend gives them. */
  logprobs?: boolean;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface CompletionResult {
  text: string;
  finishReason: 'stop' | 'length' | 'other';
  usage: TokenUsage;
  /**
   * Wall milliseconds from sending the request to the whole reply: the time spent waiting on the
   * backend, not counting a wait for a free slot of this model's own limiter.
   */
  backendMs: number;
  /** The model id the backend reports having used. */
  model: string;
  /**
   * The sum of the reply's token log-probabilities (natural log), when the request asked for them
   * and the backend returned them; absent otherwise.
   */
  logprob?: number;
}

export interface LanguageModel {
  /** Stable id used in provenance and cache keys, e.g. `local-gguf:SmolLM2-135M-Instruct.Q4_1`. */
  readonly id: string;
  /** Context window in tokens, when known. */
  readonly contextSize: number | undefined;
  /**
   * How many requests this instance runs at once (its limiter's bound; the rest wait in order).
   * Callers keep this many in flight to keep the backend busy.
   */
  readonly concurrency: number;
  /** How this instance constrains a request's `choices`; absent = it does not (the reply is free text). */
  readonly choiceConstraint?: 'grammar' | 'guided-choice' | 'json-schema';
  complete(request: CompletionRequest): Promise<CompletionResult>;
  /** Token count of a plain text under this model's tokenizer (approximate where the backend has none). */
  countTokens(text: string): Promise<number>;
  close(): Promise<void>;
}
