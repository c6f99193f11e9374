/**
 * A loopback OpenAI-compatible server with a known capacity, for measuring how well a client
 * keeps an LLM backend busy: K slots, each request holds one for `tokenMs` per generated token,
 * requests beyond K wait in order. Its ceiling is exactly K / (mean service time).
 *
 * It answers what the `openai-compatible` provider sends (POST /v1/chat/completions; GET
 * /v1/models for completeness) with plausible replies: a generation prompt ("Write N new …")
 * gets N numbered Welsh lines, unique per prompt and seed, that the generation parser keeps; a
 * judge prompt ("… Yes or No …") gets "Yes, it fits the topic.". Every reply of one kind has the
 * same number of tokens (words), so requests of a kind take the same time.
 *
 * Beside the API: GET /capacity/stats (what was served since the last reset), POST
 * /capacity/reset, GET /capacity/requests (the bodies received since the last reset, so another
 * client can send the same requests).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface CapacityServerOptions {
  /** Requests served at once. */
  slots: number;
  /** Service time per generated token, in ms. */
  tokenMs: number;
  /** Lines a generation prompt gets when it does not say how many it wants. */
  defaultLines?: number;
  port?: number;
}

export const capacityStatsSchema = z.strictObject({
  completions: z.number().int(),
  generations: z.number().int(),
  judgements: z.number().int(),
  completionTokens: z.number().int(),
  /** Sum of the service times (tokens × tokenMs): the slot time the requests needed. */
  serviceMs: z.number(),
  /** The most requests being served at once, and the most waiting for a slot. */
  maxServing: z.number().int(),
  maxWaiting: z.number().int(),
  serving: z.number().int(),
  waiting: z.number().int(),
  /** Wall-clock ms from the first request's arrival to the last reply, since the last reset. */
  activeMs: z.number(),
});
export type CapacityStats = z.infer<typeof capacityStatsSchema>;

const chatBodySchema = z.looseObject({
  model: z.string(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.string() })).min(1),
  max_tokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
});
export type ChatBody = z.infer<typeof chatBodySchema>;

export interface CapacityServer {
  readonly url: string;
  /** The `baseURL` for an openai-compatible provider. */
  readonly baseURL: string;
  stats(): CapacityStats;
  reset(): void;
  requests(): ChatBody[];
  close(): Promise<void>;
}

const JUDGE_MARKER = /Yes or No/u;
const JUDGE_REPLY = 'Yes, it fits the topic.';
const SYLLABLES = ['ba', 'ce', 'di', 'fo', 'gu', 'hy', 'la', 'me', 'ni', 'po', 'ru', 'sy', 'ta', 'we', 'dd', 'll'];

/** A word made of letters from 16 bits of `digest`, so texts differ in more than digits. */
function wordOf(digest: Buffer, offset: number): string {
  const value = digest.readUInt16BE(offset);
  return [0, 4, 8, 12].map((shift) => SYLLABLES[(value >> shift) & 15]).join('');
}

function userTextOf(body: ChatBody): string {
  return body.messages.map((message) => message.content).join('\n');
}

export function isJudgePrompt(body: ChatBody): boolean {
  return JUDGE_MARKER.test(userTextOf(body));
}

/** The reply to a chat body: judge verdict or N numbered lines, each line the same number of words. */
export function capacityReply(body: ChatBody, defaultLines: number): { text: string; kind: 'judgement' | 'generation' } {
  if (isJudgePrompt(body)) return { text: JUDGE_REPLY, kind: 'judgement' };
  const prompt = userTextOf(body);
  const lines = Number(/Write (\d+) new/u.exec(prompt)?.[1] ?? defaultLines);
  const digest = createHash('sha256').update(prompt).update(String(body.seed ?? '')).digest();
  const text = Array.from({ length: lines }, (_, line) => {
    const lineDigest = createHash('sha256').update(digest).update(String(line)).digest();
    return `${line + 1}. Mae'r stori hon yn sôn am ${wordOf(lineDigest, 0)} ${wordOf(lineDigest, 2)} a'r gymuned leol.`;
  }).join('\n');
  return { text, kind: 'generation' };
}

export function countTokens(text: string): number {
  return text.split(/\s+/u).filter(Boolean).length;
}

function emptyStats(): CapacityStats {
  return { completions: 0, generations: 0, judgements: 0, completionTokens: 0, serviceMs: 0, maxServing: 0, maxWaiting: 0, serving: 0, waiting: 0, activeMs: 0 };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

export async function startCapacityServer(options: CapacityServerOptions): Promise<CapacityServer> {
  if (!Number.isInteger(options.slots) || options.slots < 1) throw new Error(`slots must be a positive integer, got ${options.slots}`);
  if (!(options.tokenMs >= 0)) throw new Error(`tokenMs must be a non-negative number, got ${options.tokenMs}`);
  const defaultLines = options.defaultLines ?? 10;
  let stats = emptyStats();
  let received: ChatBody[] = [];
  let firstArrival: number | undefined;
  let serving = 0;
  const waiters: Array<() => void> = [];

  const acquire = async (): Promise<void> => {
    if (serving < options.slots) {
      serving += 1;
    } else {
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        stats.maxWaiting = Math.max(stats.maxWaiting, waiters.length);
      });
    }
    stats.maxServing = Math.max(stats.maxServing, serving);
  };
  const release = () => {
    const next = waiters.shift();
    // The slot passes straight to the next waiter.
    if (next) next();
    else serving -= 1;
  };

  const completion = async (body: ChatBody, response: ServerResponse) => {
    firstArrival ??= performance.now();
    received.push(body);
    const { text, kind } = capacityReply(body, defaultLines);
    const completionTokens = countTokens(text);
    const serviceMs = completionTokens * options.tokenMs;
    await acquire();
    try {
      await new Promise((resolve) => setTimeout(resolve, serviceMs));
    } finally {
      release();
    }
    stats.completions += 1;
    stats[kind === 'judgement' ? 'judgements' : 'generations'] += 1;
    stats.completionTokens += completionTokens;
    stats.serviceMs += serviceMs;
    stats.activeMs = performance.now() - firstArrival;
    const promptTokens = countTokens(userTextOf(body));
    sendJson(response, 200, {
      id: `chatcmpl-capacity-${stats.completions}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'POST' && path === '/v1/chat/completions') {
      const parsed = chatBodySchema.safeParse(JSON.parse(await readBody(request)));
      if (!parsed.success) return sendJson(response, 400, { error: { message: z.prettifyError(parsed.error), type: 'invalid_request_error' } });
      return completion(parsed.data, response);
    }
    if (request.method === 'GET' && path === '/v1/models') return sendJson(response, 200, { object: 'list', data: [{ id: 'capacity', object: 'model', owned_by: 'bench' }] });
    if (request.method === 'GET' && path === '/capacity/stats') return sendJson(response, 200, { ...stats, serving, waiting: waiters.length });
    if (request.method === 'GET' && path === '/capacity/requests') return sendJson(response, 200, received);
    if (request.method === 'POST' && path === '/capacity/reset') {
      stats = emptyStats();
      received = [];
      firstArrival = undefined;
      return sendJson(response, 200, { reset: true });
    }
    return sendJson(response, 404, { error: { message: `no route ${request.method ?? ''} ${path}`, type: 'not_found' } });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: { message: error instanceof Error ? error.message : String(error), type: 'server_error' } });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    stats: () => ({ ...stats, serving, waiting: waiters.length }),
    reset() {
      stats = emptyStats();
      received = [];
      firstArrival = undefined;
    },
    requests: () => [...received],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
