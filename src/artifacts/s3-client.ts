/**
 * The few S3 calls the artifact store needs (HEAD, GET, PUT object; create bucket), signed with
 * AWS Signature Version 4 (node:crypto) and sent with fetch, path-style (`<endpoint>/<bucket>/<key>`),
 * so any S3-compatible server works: AWS, SeaweedFS, MinIO, Ceph. Credentials never leave this
 * module except in the Authorization header, and no error message quotes them.
 */
import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';

export const s3CredentialsSchema = z.strictObject({
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  sessionToken: z.string().min(1).optional(),
});
export type S3Credentials = z.infer<typeof s3CredentialsSchema>;

export const s3ClientOptionsSchema = z.strictObject({
  /** `http(s)://host[:port]`, without a path. */
  endpoint: z.url({ protocol: /^https?$/ }),
  region: z.string().min(1),
  credentials: s3CredentialsSchema,
});
export type S3ClientOptions = z.infer<typeof s3ClientOptionsSchema>;

export class S3RequestError extends Error {
  override readonly name = 'S3RequestError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface SignableRequest {
  method: string;
  /** The path as sent, already URI-encoded (`/bucket/key`). */
  path: string;
  /** Query parameters, unencoded. */
  query?: Record<string, string>;
  /** Header names in any case; `host` must be among them. */
  headers: Record<string, string>;
  /** Hex sha256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}

export interface SigningScope {
  credentials: Pick<S3Credentials, 'accessKeyId' | 'secretAccessKey'>;
  region: string;
  service: string;
  /** `YYYYMMDDTHHMMSSZ`, the request's x-amz-date. */
  amzDate: string;
}

export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, `/` kept when asked. */
export function uriEncode(value: string, keepSlash: boolean): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const character = String.fromCharCode(byte);
      if (/[A-Za-z0-9\-._~]/.test(character) || (keepSlash && character === '/')) return character;
      return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function sha256Hex(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

function hmac(key: string | Buffer, content: string): Buffer {
  return createHmac('sha256', key).update(content, 'utf8').digest();
}

/** The Authorization header value for a request (SigV4, header-based). */
export function signatureV4(request: SignableRequest, scope: SigningScope): { authorization: string; signature: string; canonicalRequest: string } {
  const headers = Object.entries(request.headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, ' ')] as const)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  const signedHeaders = headers.map(([name]) => name).join(';');
  const canonicalQuery = Object.entries(request.query ?? {})
    .map(([name, value]) => [uriEncode(name, false), uriEncode(value, false)] as const)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalRequest = [
    request.method,
    request.path,
    canonicalQuery,
    ...headers.map(([name, value]) => `${name}:${value}`),
    '',
    signedHeaders,
    request.payloadHash,
  ].join('\n');
  const date = scope.amzDate.slice(0, 8);
  const credentialScope = `${date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', scope.amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${scope.credentials.secretAccessKey}`, date), scope.region), scope.service), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=${scope.credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    signature,
    canonicalRequest,
  };
}

export function amzDateOf(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export class S3Client {
  private readonly endpoint: URL;
  private readonly options: S3ClientOptions;

  constructor(options: S3ClientOptions) {
    this.options = s3ClientOptionsSchema.parse(options);
    this.endpoint = new URL(this.options.endpoint);
  }

  /** The object's size, or undefined when there is none under that key. */
  async headObject(bucket: string, key: string): Promise<{ bytes: number } | undefined> {
    const response = await this.send('HEAD', bucket, key);
    if (response.status === 404) return undefined;
    await this.expectOk(response, 'HEAD', bucket, key);
    return { bytes: Number(response.headers.get('content-length') ?? '0') };
  }

  /** The object's bytes, or undefined when there is none under that key. */
  async getObject(bucket: string, key: string): Promise<Buffer | undefined> {
    const response = await this.send('GET', bucket, key);
    if (response.status === 404) {
      await response.arrayBuffer();
      return undefined;
    }
    await this.expectOk(response, 'GET', bucket, key);
    return Buffer.from(await response.arrayBuffer());
  }

  async putObject(bucket: string, key: string, body: Uint8Array): Promise<void> {
    const response = await this.send('PUT', bucket, key, body);
    await this.expectOk(response, 'PUT', bucket, key);
    await response.arrayBuffer();
  }

  /** Creates the bucket; one that exists already and is ours is fine. */
  async createBucket(bucket: string): Promise<void> {
    const response = await this.send('PUT', bucket, undefined);
    const text = await response.text();
    if (response.ok || text.includes('BucketAlreadyOwnedByYou')) return;
    throw new S3RequestError(`S3 create bucket ${bucket} at ${this.endpoint.origin} failed with HTTP ${response.status}: ${s3ErrorCode(text)}`, response.status);
  }

  private async send(method: 'HEAD' | 'GET' | 'PUT', bucket: string, key: string | undefined, body?: Uint8Array): Promise<Response> {
    const basePath = this.endpoint.pathname.replace(/\/+$/, '');
    const path = `${basePath}/${uriEncode(bucket, false)}${key === undefined ? '' : `/${uriEncode(key, true)}`}`;
    const payloadHash = body ? sha256Hex(body) : EMPTY_PAYLOAD_SHA256;
    const amzDate = amzDateOf(new Date());
    const headers: Record<string, string> = {
      host: this.endpoint.host,
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate,
      ...(this.options.credentials.sessionToken ? { 'x-amz-security-token': this.options.credentials.sessionToken } : {}),
    };
    const { authorization } = signatureV4({ method, path, headers, payloadHash }, { credentials: this.options.credentials, region: this.options.region, service: 's3', amzDate });
    const { host: _host, ...sent } = headers;
    return fetch(new URL(path, this.endpoint.origin), {
      method,
      headers: { ...sent, authorization, ...(body ? { 'content-length': String(body.byteLength) } : {}) },
      ...(body ? { body } : {}),
    });
  }

  private async expectOk(response: Response, method: string, bucket: string, key: string): Promise<void> {
    if (response.ok) return;
    const text = method === 'HEAD' ? '' : await response.text();
    throw new S3RequestError(`S3 ${method} s3://${bucket}/${key} at ${this.endpoint.origin} failed with HTTP ${response.status}${text ? `: ${s3ErrorCode(text)}` : ''}`, response.status);
  }
}

/** The `<Code>` of an S3 error document (never the whole body, which may echo the request). */
function s3ErrorCode(text: string): string {
  return /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1] ?? 'no error code in the reply';
}
