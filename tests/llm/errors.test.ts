import { ApplicationFailure } from '@temporalio/common';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import {
  classifyHttpStatus,
  classifyRemoteError,
  LlmFailureType,
  modelFileMissing,
  parseRetryAfter,
  scrubSecrets,
  type RemoteErrorContext,
} from '../../src/llm/errors';

const SECRET = 'sk-test-0123456789abcdef';
const context: RemoteErrorContext = {
  baseURL: 'http://127.0.0.1:9999/v1',
  model: 'tiny-model',
  apiKeyEnv: 'MY_LLM_KEY',
  secrets: [SECRET],
};

describe('classifyHttpStatus', () => {
  it.each([
    [400, LlmFailureType.BadRequest, true],
    [401, LlmFailureType.AuthError, true],
    [403, LlmFailureType.AuthError, true],
    [404, LlmFailureType.ModelNotFound, true],
    [408, LlmFailureType.Timeout, false],
    [409, LlmFailureType.ServerError, false],
    [418, LlmFailureType.BadRequest, true],
    [422, LlmFailureType.BadRequest, true],
    [429, LlmFailureType.RateLimited, false],
    [500, LlmFailureType.ServerError, false],
    [502, LlmFailureType.ServerError, false],
    [503, LlmFailureType.ServerError, false],
  ])('status %i -> %s (nonRetryable=%s)', (status, type, nonRetryable) => {
    const failure = classifyHttpStatus({ status }, context);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
  });

  it('names the env var, never the key, on auth failures', () => {
    const failure = classifyHttpStatus({ status: 401, serverMessage: `Invalid key ${SECRET}` }, context);
    expect(failure.message).toContain('MY_LLM_KEY');
    expect(failure.message).not.toContain(SECRET);
    expect(failure.message).toContain('[redacted]');
  });

  it('names the model and the baseURL when the model is not found', () => {
    const failure = classifyHttpStatus({ status: 404 }, context);
    expect(failure.message).toContain('"tiny-model"');
    expect(failure.message).toContain('http://127.0.0.1:9999/v1');
  });

  it('uses retry-after as nextRetryDelay', () => {
    expect(classifyHttpStatus({ status: 429, retryAfter: '3' }, context).nextRetryDelay).toBe(3000);
    expect(classifyHttpStatus({ status: 503, retryAfter: '2' }, context).nextRetryDelay).toBe(2000);
    expect(classifyHttpStatus({ status: 429 }, context).nextRetryDelay).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, milliseconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', undefined, now)).toBe(3000);
    expect(parseRetryAfter('1.5', undefined, now)).toBe(1500);
    expect(parseRetryAfter('9', '250', now)).toBe(250);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', undefined, now)).toBe(10_000);
    expect(parseRetryAfter('soon', undefined, now)).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('classifyRemoteError', () => {
  it('maps openai client errors', () => {
    const headers = new Headers({ 'retry-after': '3' });
    const rateLimited = classifyRemoteError(APIError.generate(429, { error: { message: 'slow down' } }, undefined, headers), context);
    expect(rateLimited.type).toBe(LlmFailureType.RateLimited);
    expect(rateLimited.nextRetryDelay).toBe(3000);
    expect(rateLimited.message).toContain('slow down');

    const timeout = classifyRemoteError(new APIConnectionTimeoutError(), context);
    expect([timeout.type, timeout.nonRetryable]).toEqual([LlmFailureType.Timeout, false]);

    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const connection = classifyRemoteError(new APIConnectionError({ cause: refused }), context);
    expect([connection.type, connection.nonRetryable]).toEqual([LlmFailureType.ConnectionError, false]);
    expect(connection.message).toContain('ECONNREFUSED');

    const aborted = classifyRemoteError(new APIUserAbortError(), context);
    expect([aborted.type, aborted.nonRetryable]).toEqual([LlmFailureType.Aborted, true]);
  });

  it('scrubs the key from any message, including unexpected errors', () => {
    const failure = classifyRemoteError(new Error(`boom with Authorization: Bearer ${SECRET}`), context);
    expect(failure.type).toBe(LlmFailureType.Unexpected);
    expect(failure.message).not.toContain(SECRET);
    const badRequest = classifyRemoteError(
      APIError.generate(400, { error: { detail: [{ msg: `bad key ${SECRET}` }] } }, undefined, new Headers()),
      context,
    );
    expect(badRequest.type).toBe(LlmFailureType.BadRequest);
    expect(badRequest.message).not.toContain(SECRET);
    expect(JSON.stringify(badRequest)).not.toContain(SECRET);
    const plainText = classifyRemoteError(APIError.generate(422, undefined, `rejected ${SECRET}`, new Headers()), context);
    expect(plainText.message).toContain('rejected [redacted]');
  });

  it('passes ApplicationFailures through', () => {
    const original = ApplicationFailure.nonRetryable('already classified', 'Custom');
    expect(classifyRemoteError(original, context)).toBe(original);
  });
});

describe('scrubSecrets', () => {
  it('redacts every occurrence and bearer tokens', () => {
    expect(scrubSecrets(`a ${SECRET} b ${SECRET}`, [SECRET])).toBe('a [redacted] b [redacted]');
    expect(scrubSecrets('Bearer abc.def', [])).toBe('Bearer [redacted]');
  });
});

describe('modelFileMissing', () => {
  it('is non-retryable and names the path and the fix', () => {
    const failure = modelFileMissing('/models/missing.gguf');
    expect(failure.type).toBe(LlmFailureType.ModelFileMissing);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/^GGUF model file not found: \/models\/missing\.gguf\. Run `npm run setup`/);
  });
});
