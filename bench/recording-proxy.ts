/**
 * A loopback pass-through in front of an OpenAI-compatible server that records what it forwards:
 * each chat request's body, the completion tokens of its reply, how many requests were open at
 * once, and the wall time from the first request in to the last reply out. The llama.cpp rows of
 * `npm run bench -- llm-throughput` put it in front of llama-cpp-python's server, whose own API
 * cannot list the requests it served, so the direct driver can send exactly synthlab's requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';

const chatBodySchema = z.looseObject({
  model: z.string(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.string() })).min(1),
  max_tokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
});
export type RecordedBody = z.infer<typeof chatBodySchema>;

const replySchema = z.looseObject({ usage: z.looseObject({ completion_tokens: z.number().int() }).optional() });

export interface ProxyStats {
  completions: number;
  completionTokens: number;
  /** The most requests open at the proxy at once (sent to the server, reply not yet back). */
  maxOpen: number;
  /** Wall-clock ms from the first request's arrival to the last reply, since the last reset. */
  activeMs: number;
  /** Sum over requests of the ms from arrival to reply: the time they spent at the server, queued or served. */
  serverMs: number;
}

export interface RecordingProxy {
  /** The `baseURL` for an openai-compatible provider (the upstream's path after `/v1`). */
  readonly baseURL: string;
  stats(): ProxyStats;
  requests(): RecordedBody[];
  reset(): void;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Forwards `<baseURL>/…` to `<upstreamBaseURL>/…` (both ending in `/v1`). */
export async function startRecordingProxy(upstreamBaseURL: string): Promise<RecordingProxy> {
  let bodies: RecordedBody[] = [];
  let completions = 0;
  let completionTokens = 0;
  let open = 0;
  let maxOpen = 0;
  let firstAt: number | undefined;
  let lastAt: number | undefined;
  let serverMs = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const text = request.method === 'POST' ? await readBody(request) : undefined;
    const isChat = request.method === 'POST' && (request.url ?? '').endsWith('/chat/completions');
    const arrivedAt = performance.now();
    if (isChat && text !== undefined) {
      bodies.push(chatBodySchema.parse(JSON.parse(text)));
      firstAt ??= arrivedAt;
      open += 1;
      maxOpen = Math.max(maxOpen, open);
    }
    try {
      const upstream = await fetch(`${upstreamBaseURL}${(request.url ?? '').replace(/^\/v1/, '')}`, {
        method: request.method ?? 'GET',
        headers: { 'content-type': 'application/json', ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) },
        ...(text === undefined ? {} : { body: text }),
      });
      const reply = await upstream.text();
      if (isChat && upstream.ok) {
        completions += 1;
        completionTokens += replySchema.parse(JSON.parse(reply)).usage?.completion_tokens ?? 0;
      }
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      response.end(reply);
    } finally {
      if (isChat) {
        open -= 1;
        lastAt = performance.now();
        serverMs += lastAt - arrivedAt;
      }
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `recording proxy: ${error instanceof Error ? error.message : String(error)}` } }));
    });
  });
  // Every request of a wave is open at once; the default keep-alive and header limits are ample.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    stats: () => ({ completions, completionTokens, maxOpen, activeMs: firstAt === undefined || lastAt === undefined ? 0 : lastAt - firstAt, serverMs }),
    requests: () => [...bodies],
    reset() {
      bodies = [];
      completions = 0;
      completionTokens = 0;
      maxOpen = open;
      firstAt = undefined;
      lastAt = undefined;
      serverMs = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
