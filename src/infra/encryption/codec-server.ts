/**
 * Temporal's remote codec protocol over HTTP, for the Web UI and `temporal --codec-endpoint`:
 * `POST /encode` and `POST /decode` take and return `{"payloads": [{"metadata": {key: base64},
 * "data": base64}]}`; the `X-Namespace` header names the namespace. The browser calls it from the
 * UI's page, so it answers CORS for the UI's origins only; with a token, every request needs
 * `Authorization: Bearer <token>`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { PayloadEncryptionError } from './aes-gcm-codec';

export interface CodecServerOptions {
  codec: PayloadCodec;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Origins the browser may call from (the Web UI's address), e.g. `http://127.0.0.1:8233`. */
  allowedOrigins: readonly string[];
  /** The namespace it serves; a request naming another in `X-Namespace` is refused. */
  namespace: string;
  /** When set, requests need `Authorization: Bearer <token>`. */
  token?: string;
}

export interface RunningCodecServer {
  url: string;
  close(): Promise<void>;
}

/** Payloads are 2 MB at most on a default server; a history's worth in one request stays far below this. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64');
const requestSchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() })),
});

type JsonPayload = z.infer<typeof requestSchema>['payloads'][number];

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const tokenDigest = options.token ? digest(options.token) : undefined;

  function corsHeaders(request: IncomingMessage): Record<string, string> {
    const origin = request.headers.origin;
    if (!origin || !options.allowedOrigins.includes(origin)) return { Vary: 'Origin' };
    return {
      Vary: 'Origin',
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
      'Access-Control-Max-Age': '600',
      // Chrome's Private Network Access preflight, for a UI served from another address space.
      ...(request.headers['access-control-request-private-network'] ? { 'Access-Control-Allow-Private-Network': 'true' } : {}),
    };
  }

  function check(request: IncomingMessage): void {
    const origin = request.headers.origin;
    if (origin && !options.allowedOrigins.includes(origin)) {
      throw new HttpError(403, `origin ${origin} is not allowed (allowed: ${options.allowedOrigins.join(', ')}; see --ui-origin)`);
    }
    if (tokenDigest) {
      const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
      if (!match?.[1] || !timingSafeEqual(digest(match[1]), tokenDigest)) throw new HttpError(401, 'missing or wrong bearer token (Authorization: Bearer <token>)');
    }
    const namespace = request.headers['x-namespace'];
    if (typeof namespace === 'string' && namespace !== '' && namespace !== options.namespace) {
      throw new HttpError(403, `this codec server serves namespace "${options.namespace}", not "${namespace}"`);
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const cors = corsHeaders(request);
    const path = new URL(request.url ?? '/', 'http://codec').pathname;
    try {
      if (request.method === 'OPTIONS') {
        if (!cors['Access-Control-Allow-Origin']) throw new HttpError(403, `origin ${request.headers.origin ?? '(none)'} is not allowed`);
        response.writeHead(204, cors).end();
        return;
      }
      if (path !== '/encode' && path !== '/decode') throw new HttpError(404, 'not found: POST /encode or POST /decode');
      if (request.method !== 'POST') throw new HttpError(405, `${request.method ?? '?'} ${path}: use POST`);
      check(request);
      let json: unknown;
      try {
        json = JSON.parse(await readBody(request));
      } catch (error) {
        if (error instanceof HttpError) throw error;
        throw new HttpError(400, 'the body is not JSON; expected {"payloads": [...]}');
      }
      const parsed = requestSchema.safeParse(json);
      if (!parsed.success) {
        throw new HttpError(400, `expected {"payloads": [{"metadata": {...}, "data": "<base64>"}]}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      }
      const payloads = parsed.data.payloads.map(fromJson);
      const result = path === '/encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      response.writeHead(200, { ...cors, 'Content-Type': 'application/json' }).end(JSON.stringify({ payloads: result.map(toJson) }));
    } catch (error) {
      const status = error instanceof HttpError ? error.status : error instanceof PayloadEncryptionError ? 422 : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (status === 500) console.error(`[codec-server] ${request.method ?? '?'} ${path}:`, error);
      response
        .writeHead(status, { ...cors, 'Content-Type': 'text/plain; charset=utf-8', ...(status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}) })
        .end(`${message}\n`);
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolveListen());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the codec server has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
