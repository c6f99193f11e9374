/**
 * Unary gRPC calls over one HTTP/2 session (node:http2), for the Temporal frontend: the gRPC framing
 * (a 5-byte prefix per message), the deadline (`grpc-timeout`), and the status in the trailers. It
 * connects as the SDK's Connection would from the same options: plain text, or TLS with the
 * profile's CA, client certificate and server name; an API key goes as a bearer token and turns TLS
 * on unless the profile says otherwise.
 */
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from 'node:http2';

/** gRPC status codes this module names (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcStatus = { OK: 0, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

export class GrpcCallError extends Error {
  override readonly name = 'GrpcCallError';
  constructor(
    readonly method: string,
    readonly code: number,
    readonly details: string,
  ) {
    super(`${method}: gRPC status ${code}${details ? `: ${details}` : ''}`);
  }
}

/** How to reach the server: the fields of the SDK's TLS settings that matter to a connection. */
export interface GrpcTarget {
  /** host:port */
  address: string;
  apiKey?: string;
  tls?:
    | boolean
    | null
    | {
        serverNameOverride?: string;
        serverRootCACertificate?: Uint8Array;
        clientCertPair?: { crt: Uint8Array; key: Uint8Array };
      };
  /** gRPC metadata; a Buffer value (a `-bin` key) travels base64-encoded, as gRPC prescribes. */
  metadata?: Record<string, string | Buffer>;
}

/** Message prefix: a compressed flag (0, never compressed here) and the length as 4 bytes, big-endian. */
const FRAME_PREFIX_BYTES = 5;

function frame(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(FRAME_PREFIX_BYTES);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function unframe(method: string, body: Buffer): Uint8Array {
  if (body.length < FRAME_PREFIX_BYTES) throw new GrpcCallError(method, GrpcStatus.UNAVAILABLE, 'the response holds no message');
  if (body[0] !== 0) throw new GrpcCallError(method, GrpcStatus.UNAVAILABLE, 'the response message is compressed, and no compression was asked for');
  const length = body.readUInt32BE(1);
  if (body.length < FRAME_PREFIX_BYTES + length) throw new GrpcCallError(method, GrpcStatus.UNAVAILABLE, 'the response message is cut short');
  return body.subarray(FRAME_PREFIX_BYTES, FRAME_PREFIX_BYTES + length);
}

/** `grpc-message` is percent-encoded. */
function statusMessage(headers: IncomingHttpHeaders): string {
  const raw = headers['grpc-message'];
  if (typeof raw !== 'string') return '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export class GrpcUnaryClient {
  private readonly session: ClientHttp2Session;
  private readonly headers: Record<string, string>;
  private sessionError: Error | undefined;

  constructor(
    private readonly service: string,
    target: GrpcTarget,
  ) {
    // As the SDK reads it: unset (or null) with an API key means TLS.
    const tlsSetting = target.tls ?? target.apiKey !== undefined;
    const tls = Boolean(tlsSetting);
    const options = typeof tlsSetting === 'object' ? tlsSetting : {};
    const authority = `${tls ? 'https' : 'http'}://${target.address}`;
    this.session = connect(authority, {
      ...(options.serverRootCACertificate ? { ca: Buffer.from(options.serverRootCACertificate) } : {}),
      ...(options.clientCertPair ? { cert: Buffer.from(options.clientCertPair.crt), key: Buffer.from(options.clientCertPair.key) } : {}),
      ...(options.serverNameOverride ? { servername: options.serverNameOverride } : {}),
    });
    // Errors surface through the calls; without a listener one would crash the process.
    this.session.on('error', (error: Error) => (this.sessionError = error));
    this.headers = {
      ...Object.fromEntries(Object.entries(target.metadata ?? {}).map(([key, value]) => [key, typeof value === 'string' ? value : value.toString('base64')])),
      ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
      ...(options.serverNameOverride ? { [constants.HTTP2_HEADER_AUTHORITY]: options.serverNameOverride } : {}),
    };
  }

  /** One call: the encoded request in, the encoded response out, or a GrpcCallError with the server's status. */
  call(method: string, request: Uint8Array, options: { deadlineMs: number; headers?: Record<string, string> }): Promise<Uint8Array> {
    const path = `/${this.service}/${method}`;
    return new Promise((resolveCall, rejectCall) => {
      if (this.sessionError || this.session.destroyed) {
        rejectCall(new GrpcCallError(method, GrpcStatus.UNAVAILABLE, this.sessionError?.message ?? 'the connection is closed'));
        return;
      }
      const stream = this.session.request({
        ...this.headers,
        ...options.headers,
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.ceil(options.deadlineMs))}m`,
      });
      const timer = setTimeout(() => {
        stream.close(constants.NGHTTP2_CANCEL);
        rejectCall(new GrpcCallError(method, GrpcStatus.DEADLINE_EXCEEDED, `no answer within ${options.deadlineMs} ms`));
      }, options.deadlineMs);
      const chunks: Buffer[] = [];
      let status: IncomingHttpHeaders & IncomingHttpStatusHeader = {};
      let trailers: IncomingHttpHeaders = {};
      stream.on('response', (headers) => (status = headers));
      stream.on('trailers', (headers) => (trailers = headers));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error: Error) => {
        clearTimeout(timer);
        rejectCall(new GrpcCallError(method, GrpcStatus.UNAVAILABLE, this.sessionError?.message ?? error.message));
      });
      stream.on('close', () => {
        clearTimeout(timer);
        // A call that fails at once answers with its status in the headers alone ("trailers-only").
        const statusHeaders = trailers['grpc-status'] !== undefined ? trailers : status;
        const httpStatus = Number(status[constants.HTTP2_HEADER_STATUS] ?? 0);
        if (statusHeaders['grpc-status'] === undefined) {
          const reason = this.sessionError?.message ?? (httpStatus !== 0 && httpStatus !== 200 ? `HTTP status ${httpStatus}` : 'the server closed the call without a status');
          rejectCall(new GrpcCallError(method, GrpcStatus.UNAVAILABLE, reason));
          return;
        }
        const code = Number(statusHeaders['grpc-status']);
        if (code !== GrpcStatus.OK) {
          rejectCall(new GrpcCallError(method, code, statusMessage(statusHeaders)));
          return;
        }
        try {
          resolveCall(unframe(method, Buffer.concat(chunks)));
        } catch (error) {
          rejectCall(error);
        }
      });
      stream.end(frame(request));
    });
  }

  close(): Promise<void> {
    return new Promise((resolveClose) => {
      if (this.session.closed || this.session.destroyed) resolveClose();
      else this.session.close(() => resolveClose());
    });
  }
}
