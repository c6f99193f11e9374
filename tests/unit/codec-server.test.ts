/**
 * `synthlab codec-server`: Temporal's remote codec protocol (POST /encode, /decode with
 * {"payloads": [...]}), CORS for the UI's origin only, the optional bearer token, the X-Namespace
 * check, clear errors; and the real CLI process serving it until SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec } from '../../src/infra/encryption/aes-gcm-codec';
import { startCodecServer, type RunningCodecServer } from '../../src/infra/encryption/codec-server';
import { newKey, parseKeyRing } from '../../src/infra/encryption/key-ring';
import { freePort } from '../../src/infra/dev-server';
import { repoRoot, synthlabCliArgs } from '../../src/infra/paths';

const UI = 'http://127.0.0.1:8233';
const TOKEN = 'test-token-3b9f';
const keyFile = { current: 'k1', keys: { k1: newKey() } };
const codec = new AesGcmPayloadCodec(parseKeyRing(JSON.stringify(keyFile), 'test keys'));
const plainJson = () => {
  const payload = defaultPayloadConverter.toPayload({ input: 'Testun cyfrinachol' });
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
};

let open: RunningCodecServer;
let guarded: RunningCodecServer;
beforeAll(async () => {
  open = await startCodecServer({ codec, host: '127.0.0.1', port: 0, allowedOrigins: [UI], namespace: 'default' });
  guarded = await startCodecServer({ codec, host: '127.0.0.1', port: 0, allowedOrigins: [UI], namespace: 'default', token: TOKEN });
});
afterAll(async () => {
  await open.close();
  await guarded.close();
});

function post(server: RunningCodecServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: UI, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('codec server protocol', () => {
  it('encodes and decodes {payloads}, and answers CORS for the UI origin', async () => {
    const encodedResponse = await post(open, '/encode', { payloads: [plainJson()] });
    expect(encodedResponse.status).toBe(200);
    expect(encodedResponse.headers.get('access-control-allow-origin')).toBe(UI);
    const encoded = (await encodedResponse.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.payloads[0]!.data, 'base64').toString('latin1')).not.toContain('cyfrinachol');
    const decodedResponse = await post(open, '/decode', encoded);
    expect(decodedResponse.status).toBe(200);
    const decoded = (await decodedResponse.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(decoded.payloads).toEqual([plainJson()]);
  });

  it('answers a preflight from the UI origin, and refuses another origin', async () => {
    const preflight = await fetch(`${open.url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: UI, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    const elsewhere = await fetch(`${open.url}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://evil.test' } });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    const post403 = await post(open, '/decode', { payloads: [] }, { Origin: 'http://evil.test' });
    expect(post403.status).toBe(403);
    expect(await post403.text()).toMatch(/origin http:\/\/evil\.test is not allowed/);
  });

  it('with a token, refuses requests without the bearer token or with a wrong one', async () => {
    expect((await post(guarded, '/decode', { payloads: [] })).status).toBe(401);
    expect((await post(guarded, '/decode', { payloads: [] }, { Authorization: 'Bearer wrong' })).status).toBe(401);
    const right = await post(guarded, '/decode', { payloads: [plainJson()] }, { Authorization: `Bearer ${TOKEN}` });
    expect(right.status).toBe(200);
  });

  it('refuses another namespace, bad bodies, other paths and methods, and says why', async () => {
    const namespace = await post(open, '/decode', { payloads: [] }, { 'X-Namespace': 'other' });
    expect(namespace.status).toBe(403);
    expect(await namespace.text()).toMatch(/serves namespace "default", not "other"/);
    const notJson = await post(open, '/decode', 'nope');
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toMatch(/not JSON/);
    const wrongShape = await post(open, '/decode', { payload: [] });
    expect(wrongShape.status).toBe(400);
    expect(await wrongShape.text()).toMatch(/payloads/);
    expect((await post(open, '/other', { payloads: [] })).status).toBe(404);
    expect((await fetch(`${open.url}/decode`)).status).toBe(405);
  });

  it('answers 422 naming the key id for a payload it has no key for', async () => {
    const other = new AesGcmPayloadCodec(parseKeyRing(JSON.stringify({ current: 'k7', keys: { k7: newKey() } }), 'other keys'));
    const [encrypted] = await other.encode([defaultPayloadConverter.toPayload('x')]);
    const body = { payloads: [{ metadata: Object.fromEntries(Object.entries(encrypted!.metadata!).map(([key, value]) => [key, Buffer.from(value).toString('base64')])), data: Buffer.from(encrypted!.data!).toString('base64') }] };
    const response = await post(open, '/decode', body);
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/key id "k7", which is not in test keys/);
  });
});

describe('synthlab codec-server (the CLI process)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'synthlab-codec-cli-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('without keys, exits 2 saying which variable to set', () => {
    const run = spawnSync(process.execPath, synthlabCliArgs('codec-server', '--port', '0'), {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, SYNTHLAB_ENCRYPTION_KEYS_FILE: '', SYNTHLAB_ENCRYPTION_KEYS: '' },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/synthlab: the codec server needs the encryption keys: set SYNTHLAB_ENCRYPTION_KEYS_FILE/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('serves the key file with a token until SIGTERM, then exits 0', async () => {
    const file = join(directory, 'keys.json');
    writeFileSync(file, JSON.stringify(keyFile));
    const port = await freePort();
    const child = spawn(process.execPath, synthlabCliArgs('codec-server', '--port', String(port), '--ui-origin', UI), {
      cwd: repoRoot,
      env: { ...process.env, SYNTHLAB_ENCRYPTION_KEYS_FILE: file, SYNTHLAB_CODEC_SERVER_TOKEN: TOKEN, SYNTHLAB_STATE_DIR: directory },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    const deadline = Date.now() + 30_000;
    // The banner is four console.log lines, which can reach a pipe in separate chunks: wait for the last one.
    while (!output.includes('point the UI at it') && Date.now() < deadline && child.exitCode === null) await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    expect(output).toContain(`codec server: http://127.0.0.1:${port} (namespace default`);
    expect(output).toContain('bearer token: required');
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('hello')]);
    const response = await fetch(`http://127.0.0.1:${port}/decode`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default', Origin: UI },
      body: JSON.stringify({ payloads: [{ metadata: Object.fromEntries(Object.entries(encrypted!.metadata!).map(([key, value]) => [key, Buffer.from(value).toString('base64')])), data: Buffer.from(encrypted!.data!).toString('base64') }] }),
    });
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: { data: string }[] };
    expect(Buffer.from(payloads[0]!.data, 'base64').toString()).toBe('"hello"');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('synthlab encryption-key (the CLI process)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'synthlab-encryption-key-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const run = (args: string[]) => spawnSync(process.execPath, synthlabCliArgs('encryption-key', ...args), { cwd: repoRoot, encoding: 'utf8' });

  it('creates a key file readable by its owner only, rotates it keeping the old key, and refuses a reused id', () => {
    const file = join(directory, 'keys.json');
    const created = run([file, '--id', 'first']);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain(`created ${file}: current key "first"`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const before = parseKeyRing(readFileSync(file, 'utf8'), file);

    const rotated = run([file, '--id', 'second']);
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toContain(`rotated ${file}: current key "second", 1 older key(s) kept for decoding`);
    const after = parseKeyRing(readFileSync(file, 'utf8'), file);
    expect(after.currentKeyId).toBe('second');
    expect(after.keys.get('first')?.equals(before.keys.get('first')!)).toBe(true);

    const reused = run([file, '--id', 'second']);
    expect(reused.status).toBe(2);
    expect(reused.stderr).toMatch(/^synthlab: key id "second" is already in the key file; choose a new id$/m);
  });
});
