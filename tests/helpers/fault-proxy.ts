/**
 * A fault-injecting OpenAI-compatible proxy: it forwards chat completions to a real server and
 * answers a seeded share of them with a fault instead. Which request meets which fault depends
 * only on the seed, the request body and how many times that body was sent before, never on the
 * order requests arrive in, so a run at any concurrency meets the same schedule. A body meets at
 * most `maxConsecutiveFaults` faults in a row (then it is forwarded), so every request can finish.
 *
 * Transport faults (the request fails; a client should retry it): 429 with and without
 * `retry-after`, 500, 503, a hang past the client's timeout, a connection reset, a body that is not
 * JSON, an empty completion. Content faults (a reply a client accepts and its parsers must judge):
 * a completion cut short (`finish_reason: length`), a reply in the wrong language.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TRANSPORT_FAULTS = ['rate-limit-retry-after', 'rate-limit', 'server-error', 'unavailable', 'hang', 'reset', 'malformed-json', 'empty'] as const;
export const CONTENT_FAULTS = ['truncated', 'wrong-language'] as const;
export type FaultKind = (typeof TRANSPORT_FAULTS)[number] | (typeof CONTENT_FAULTS)[number];

/** Japanese: not the script of any language the tests generate in, so the script check and the verdict parser reject it. */
export const WRONG_LANGUAGE_LINES = ['これは別の言語で書かれた文です。', '天気がとても良いので散歩に行きます。', '図書館で新しい本を借りました。'];

export interface FaultProxyOptions {
  /** The real server's base URL, e.g. `http://127.0.0.1:8080/v1`. */
  upstream: string;
  seed: number;
  /** Share of requests answered with a fault, 0–1. */
  faultRate: number;
  kinds: readonly FaultKind[];
  maxConsecutiveFaults?: number;
  /** `retry-after` sent with the 429s that carry one, in seconds. */
  retryAfterSeconds?: number;
  /**
   * Sends requests upstream one at a time, each after a one-token request that resets the server's
   * prompt cache. llama-cpp-python reuses the longest prompt prefix cached from the previous
   * request and evaluates only the rest; how much it reuses changes the logits a little, and a
   * small model's greedy reply with them. After the same one-token request, a request reuses the
   * same prefix whatever came before, so its reply depends on the request alone.
   */
  resetPromptCache?: boolean;
  /**
   * How a faulted request's kind is picked: `seeded` (default) from the seed and the body, so the
   * schedule does not depend on arrival order; `cycle` takes the kinds in turn, so a short run
   * meets each of them (and the schedule then depends on the order requests arrive in).
   */
  kindOrder?: 'seeded' | 'cycle';
  /**
   * Which requests meet a fault: drawn per request from the seed and the body (default), or
   * `spread` by arrival, request k when floor(k × faultRate) grows, so a short run meets exactly
   * its share of faults (and the schedule then depends on the order requests arrive in).
   */
  rateOrder?: 'seeded' | 'spread';
}

export interface FaultProxy {
  baseURL: string;
  /** Faults injected so far, by kind. */
  injected(): Record<FaultKind, number>;
  /** Chat requests received, and those forwarded to the real server unharmed. */
  stats(): { received: number; forwarded: number };
  close(): Promise<void>;
}

/** A number in [0, 1) from the seed and the parts: the same parts give the same number. */
function draw(seed: number, ...parts: Array<string | number>): number {
  const digest = createHash('sha256').update(JSON.stringify([seed, ...parts])).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function completion(model: string, content: string, finishReason: 'stop' | 'length') {
  return {
    id: `chatcmpl-fault-proxy`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason }],
    usage: { prompt_tokens: 1, completion_tokens: Math.ceil(content.length / 3), total_tokens: 1 + Math.ceil(content.length / 3) },
  };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  if (options.faultRate < 0 || options.faultRate > 1) throw new RangeError(`faultRate must be within 0–1, got ${options.faultRate}`);
  if (options.faultRate > 0 && options.kinds.length === 0) throw new RangeError('a fault rate above 0 needs at least one fault kind');
  const maxConsecutive = options.maxConsecutiveFaults ?? 2;
  const upstream = options.upstream.replace(/\/+$/, '');
  const injected = Object.fromEntries([...TRANSPORT_FAULTS, ...CONTENT_FAULTS].map((kind) => [kind, 0])) as Record<FaultKind, number>;
  const sends = new Map<string, number>();
  const faultsInARow = new Map<string, number>();
  let received = 0;
  let forwarded = 0;
  let faultsDrawn = 0;

  const post = async (path: string, body: string, headers: IncomingMessage['headers']) => {
    const reply = await fetch(`${upstream}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(headers.authorization ? { authorization: headers.authorization } : {}) },
      body,
    });
    return { status: reply.status, text: await reply.text() };
  };

  let upstreamQueue: Promise<unknown> = Promise.resolve();
  const forward = (path: string, body: string, headers: IncomingMessage['headers']) => {
    forwarded += 1;
    if (!options.resetPromptCache) return post(path, body, headers);
    const model = (JSON.parse(body) as { model?: string }).model;
    const reset = JSON.stringify({ model, messages: [{ role: 'user', content: 'ok' }], max_tokens: 1, temperature: 0 });
    const sent = upstreamQueue.then(async () => {
      await post(path, reset, headers);
      return post(path, body, headers);
    });
    upstreamQueue = sent.catch(() => undefined);
    return sent;
  };

  let arrivals = 0;
  let spreadFaults = 0;
  /** The fault this send of this body meets, if any. */
  const faultFor = (bodyKey: string): FaultKind | undefined => {
    const send = sends.get(bodyKey) ?? 0;
    sends.set(bodyKey, send + 1);
    const inARow = faultsInARow.get(bodyKey) ?? 0;
    arrivals += 1;
    const faulted = options.rateOrder === 'spread' ? Math.floor(arrivals * options.faultRate) > spreadFaults : draw(options.seed, bodyKey, send, 'rate') < options.faultRate;
    if (inARow >= maxConsecutive || !faulted) {
      faultsInARow.set(bodyKey, 0);
      return undefined;
    }
    if (options.rateOrder === 'spread') spreadFaults += 1;
    faultsInARow.set(bodyKey, inARow + 1);
    if (options.kindOrder === 'cycle') return options.kinds[faultsDrawn++ % options.kinds.length];
    return options.kinds[Math.floor(draw(options.seed, bodyKey, send, 'kind') * options.kinds.length)];
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').replace(/^\/v1/, '');
    if (request.method === 'GET') {
      const reply = await fetch(`${upstream}${path}`);
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(await reply.text());
      return;
    }
    const body = await readBody(request);
    received += 1;
    const bodyKey = createHash('sha256').update(body).digest('hex');
    const fault = faultFor(bodyKey);
    if (fault) injected[fault] += 1;
    const model = (JSON.parse(body) as { model?: string }).model ?? 'unknown';
    switch (fault) {
      case 'rate-limit-retry-after':
        return sendJson(response, 429, { error: { message: 'Rate limit reached, retry later' } }, { 'retry-after': String(options.retryAfterSeconds ?? 1) });
      case 'rate-limit':
        return sendJson(response, 429, { error: { message: 'Too many requests' } });
      case 'server-error':
        return sendJson(response, 500, { error: { message: 'Internal server error' } });
      case 'unavailable':
        return sendJson(response, 503, { error: { message: 'Service unavailable' } });
      case 'hang':
        // Never answers; the client's timeout ends it and closes the connection.
        response.on('close', () => response.destroy());
        return;
      case 'reset':
        request.socket.destroy();
        return;
      case 'malformed-json':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"id":"chatcmpl-fault-proxy","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Half a rep');
        return;
      case 'empty':
        return sendJson(response, 200, completion(model, '', 'stop'));
      case 'wrong-language':
        return sendJson(response, 200, completion(model, WRONG_LANGUAGE_LINES.join('\n'), 'stop'));
      case 'truncated': {
        const reply = await forward(path, body, request.headers);
        const parsed = JSON.parse(reply.text) as ReturnType<typeof completion>;
        const choice = parsed.choices[0];
        if (choice) {
          const content = choice.message.content;
          // Cut inside the text, as a server that hit max_tokens would.
          choice.message.content = content.slice(0, Math.max(1, Math.floor(content.length * 0.6)));
          choice.finish_reason = 'length';
        }
        return sendJson(response, reply.status, parsed);
      }
      case undefined: {
        const reply = await forward(path, body, request.headers);
        response.writeHead(reply.status, { 'content-type': 'application/json' });
        response.end(reply.text);
        return;
      }
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 502, { error: { message: `fault proxy: ${(error as Error).message}` } });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    injected: () => ({ ...injected }),
    stats: () => ({ received, forwarded }),
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
