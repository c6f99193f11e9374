import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLanguageModel } from '../../src/llm/factory';
import { resolveModelPath } from '../../src/llm/packaged-models';
import { parseProviderConfig } from '../../src/llm/provider-config';
import type { LanguageModel } from '../../src/llm/types';
import { startLlamaServer, type LlamaServer } from '../helpers/llama-server';
import { request } from '../helpers/chat-request';
import { freePort } from '../../src/infra/dev-server';

const SERVER_KEY = 'secret123';
const WRONG_KEY = 'wrong-key-7f3a9c';

/** With no fault budget by default: each call is one HTTP request, so a status maps to one typed failure (retries: tests/llm/fault-retry.test.ts). */
function remoteModel(baseURL: string, options: { key?: string; model?: string; timeoutMs?: number; faultBudgetSeconds?: number } = {}): LanguageModel {
  const config = parseProviderConfig({
    kind: 'openai-compatible',
    baseURL,
    model: options.model ?? 'smollm2',
    apiKeyEnv: 'SYNTHLAB_TEST_LLM_KEY',
    faultBudgetSeconds: options.faultBudgetSeconds ?? 0,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  return createLanguageModel(config, { env: options.key ? { SYNTHLAB_TEST_LLM_KEY: options.key } : {} });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('openai-compatible provider against llama-cpp-python (real SmolLM2-135M)', () => {
  let server: LlamaServer | undefined;

  beforeAll(async () => {
    const started = performance.now();
    // One server started with --api_key serves both the happy path (right key) and the auth test (wrong key).
    server = await startLlamaServer({ modelPath: resolveModelPath('packaged:smollm2-135m-instruct'), apiKey: SERVER_KEY });
    console.info(`llama_cpp.server ready in ${Math.round(performance.now() - started)} ms`);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('completes a short prompt with usage and finish reason', async () => {
    const model = remoteModel(server!.baseURL, { key: SERVER_KEY });
    expect(model.id).toBe('openai-compatible:smollm2');
    const started = performance.now();
    const result = await model.complete(request('Name three colors.'));
    console.info(`openai-compatible completion: ${Math.round(performance.now() - started)} ms`, result.usage);
    expect(result.text.trim().length).toBeGreaterThan(0);
    expect(result.model).toBe('smollm2');
    expect(result.usage.promptTokens).toBeGreaterThan(10);
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(result.usage.completionTokens).toBeLessThanOrEqual(24);
    expect(['stop', 'length']).toContain(result.finishReason);
    expect(result.backendMs).toBeGreaterThan(0);
    expect(result.backendMs).toBeLessThanOrEqual(performance.now() - started);
    const short = await model.complete(request('Write a long story about a dragon.', 4));
    expect(short.finishReason).toBe('length');
    await model.close();
  });

  it('rejects a wrong key as a non-retryable LlmAuthError that names the variable, not the key', async () => {
    const model = remoteModel(server!.baseURL, { key: WRONG_KEY });
    const failure = await failureOf(model.complete(request('hi', 4)));
    expect(failure.type).toBe('LlmAuthError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('SYNTHLAB_TEST_LLM_KEY');
    expect(failure.message).not.toContain(WRONG_KEY);
    expect(JSON.stringify(failure)).not.toContain(WRONG_KEY);
  });

  it('reports an unset key variable as an auth error too', async () => {
    const failure = await failureOf(remoteModel(server!.baseURL).complete(request('hi', 4)));
    expect(failure.type).toBe('LlmAuthError');
    expect(failure.message).toContain('env var SYNTHLAB_TEST_LLM_KEY (it is not set)');
  });
});

/** Tiny loopback servers for statuses llama-cpp-python never produces. */
describe('openai-compatible provider against scripted HTTP servers', () => {
  const servers: Server[] = [];

  async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }

  function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  }

  afterAll(async () => {
    await Promise.all(
      servers.map((server) => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      }),
    );
  });

  // llama-cpp-python ignores the requested model name (it echoes it back and answers with the
  // loaded model), so "model not found" is exercised with a server that answers like vLLM/OpenAI.
  it('maps 404 to a non-retryable LlmModelNotFound naming the model and baseURL', async () => {
    const baseURL = await serve((_request, response) =>
      json(response, 404, { error: { message: 'The model `no-such-model` does not exist.', type: 'NotFoundError', code: 404 } }),
    );
    const failure = await failureOf(remoteModel(baseURL, { model: 'no-such-model' }).complete(request('hi')));
    expect(failure.type).toBe('LlmModelNotFound');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('"no-such-model"');
    expect(failure.message).toContain(baseURL);
  });

  it('maps 429 with retry-after: 3 to a retryable LlmRateLimited with nextRetryDelay 3 s', async () => {
    const baseURL = await serve((_request, response) =>
      json(response, 429, { error: { message: 'Too many requests' } }, { 'retry-after': '3' }),
    );
    const failure = await failureOf(remoteModel(baseURL).complete(request('hi')));
    expect(failure.type).toBe('LlmRateLimited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(3000);
  });

  it('maps 500 and 503 to a retryable LlmServerError, and 400 to a non-retryable LlmBadRequest', async () => {
    let status = 500;
    const baseURL = await serve((_request, response) => json(response, status, { error: { message: `status ${status}` } }));
    for (const retryableStatus of [500, 503]) {
      status = retryableStatus;
      const failure = await failureOf(remoteModel(baseURL).complete(request('hi')));
      expect([failure.type, failure.nonRetryable]).toEqual(['LlmServerError', false]);
    }
    status = 400;
    const badRequest = await failureOf(remoteModel(baseURL).complete(request('hi')));
    expect([badRequest.type, badRequest.nonRetryable]).toEqual(['LlmBadRequest', true]);
    expect(badRequest.message).toContain('status 400');
  });

  it('maps a hung server to a retryable LlmTimeout and a closed port to LlmConnectionError', async () => {
    const hungURL = await serve(() => {
      // Never answers.
    });
    const timeout = await failureOf(remoteModel(hungURL, { timeoutMs: 300 }).complete(request('hi')));
    expect([timeout.type, timeout.nonRetryable]).toEqual(['LlmTimeout', false]);

    const closedPort = await freePort();
    const refused = await failureOf(remoteModel(`http://127.0.0.1:${closedPort}/v1`).complete(request('hi')));
    expect([refused.type, refused.nonRetryable]).toEqual(['LlmConnectionError', false]);
    expect(refused.message).toContain('ECONNREFUSED');
  });

  it('sends the sampling parameters, the key from the named variable, and no retries', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const authorizations: Array<string | undefined> = [];
    const baseURL = await serve((incoming, response) => {
      let raw = '';
      incoming.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      incoming.on('end', () => {
        bodies.push(JSON.parse(raw) as Record<string, unknown>);
        authorizations.push(incoming.headers.authorization);
        json(response, 503, { error: { message: 'busy' } });
      });
    });
    await failureOf(remoteModel(baseURL, { key: 'sk-live-abcdef123456' }).complete(request('hi', 12)));
    expect(bodies).toHaveLength(1);
    expect(authorizations).toEqual(['Bearer sk-live-abcdef123456']);
    expect(bodies[0]).toMatchObject({
      model: 'smollm2',
      temperature: 0.7,
      top_p: 0.9,
      max_tokens: 12,
      seed: 7,
      repetition_penalty: 1.1,
      messages: [
        { role: 'system', content: 'You are a concise assistant.' },
        { role: 'user', content: 'hi' },
      ],
    });
  });
});
