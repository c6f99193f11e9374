/**
 * The AES-256-GCM payload codec and its key ring: round trip, tamper detection, rotation (old
 * payloads decode while their key stays in the ring), and clear errors for an unknown key id, a
 * bad key file, or an encrypted payload where encryption is off. No message ever holds a key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, EncryptedPayloadGuard, KEY_ID_METADATA_KEY, PayloadEncryptionError } from '../../src/infra/encryption/aes-gcm-codec';
import { ENCRYPTED_FAILURE_CONVERTER_PATH, dataConverterFor } from '../../src/infra/encryption/data-converter';
import { EncryptionKeyError, keyRingFromEnvironment, newKey, parseKeyRing, rotatedKeyFile, type KeyFile } from '../../src/infra/encryption/key-ring';

const CANARY = 'canary-Llanfairpwllgwyngyll-7f3a';
const directory = mkdtempSync(join(tmpdir(), 'synthlab-encryption-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function ring(file: KeyFile) {
  return parseKeyRing(JSON.stringify(file), 'test keys');
}

const first: KeyFile = { current: 'k1', keys: { k1: newKey() } };
const payload = (): Payload => defaultPayloadConverter.toPayload({ text: CANARY, labels: ['a', 'b'] });
const bytesOf = (payloads: Payload[]) => Buffer.concat(payloads.map((one) => Buffer.concat([Buffer.from(one.data ?? []), ...Object.values(one.metadata ?? {}).map((value) => Buffer.from(value))])));

describe('AesGcmPayloadCodec', () => {
  const codec = new AesGcmPayloadCodec(ring(first));

  it('round-trips a payload, metadata and all, and leaves no plain text in the encoded one', async () => {
    const original = payload();
    const encoded = await codec.encode([original]);
    expect(bytesOf(encoded).includes(Buffer.from(CANARY))).toBe(false);
    expect(bytesOf(encoded).includes(Buffer.from('json/plain'))).toBe(false);
    expect(Buffer.from(encoded[0]!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded[0]!.metadata![KEY_ID_METADATA_KEY]!).toString()).toBe('k1');
    const [decoded] = await codec.decode(encoded);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ text: CANARY, labels: ['a', 'b'] });
    expect(Buffer.from(decoded!.metadata!.encoding!).toString()).toBe('json/plain');
  });

  it('uses a fresh IV for every payload: the same value encrypts differently', async () => {
    const [one, two] = await codec.encode([payload(), payload()]);
    expect(Buffer.from(one!.data!).equals(Buffer.from(two!.data!))).toBe(false);
  });

  it('passes payloads that are not encrypted through decode unchanged (histories from before encryption)', async () => {
    const plain = payload();
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('detects a flipped bit anywhere in the ciphertext, IV or tag', async () => {
    const [encoded] = await codec.encode([payload()]);
    const length = encoded!.data!.length;
    for (const position of [0, 12, Math.floor(length / 2), length - 1]) {
      const data = Buffer.from(encoded!.data!);
      data[position] = data[position]! ^ 0x01;
      await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow(/key id "k1"\) failed authentication: its bytes were altered/);
    }
  });

  it('detects a payload relabelled with another key id of the ring, and a truncated one', async () => {
    const both = new AesGcmPayloadCodec(ring({ current: 'k1', keys: { k1: first.keys.k1!, k2: newKey() } }));
    const [encoded] = await both.encode([payload()]);
    const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [KEY_ID_METADATA_KEY]: Buffer.from('k2') } };
    await expect(both.decode([relabelled])).rejects.toThrow(/key id "k2"\) failed authentication/);
    await expect(both.decode([{ ...encoded!, data: encoded!.data!.subarray(0, 20) }])).rejects.toThrow(/too short.*truncated/);
  });

  it('after a rotation, decodes payloads of the old key and encrypts with the new one', async () => {
    const [old] = await codec.encode([payload()]);
    const rotated = rotatedKeyFile(first, 'k2');
    expect(rotated.current).toBe('k2');
    expect(rotated.keys.k1).toBe(first.keys.k1);
    const rotatedCodec = new AesGcmPayloadCodec(ring(rotated));
    expect(defaultPayloadConverter.fromPayload((await rotatedCodec.decode([old!]))[0]!)).toEqual({ text: CANARY, labels: ['a', 'b'] });
    const [fresh] = await rotatedCodec.encode([payload()]);
    expect(Buffer.from(fresh!.metadata![KEY_ID_METADATA_KEY]!).toString()).toBe('k2');
    // The old codec does not know k2: a clear error, not a crash.
    await expect(codec.decode([fresh!])).rejects.toThrow(PayloadEncryptionError);
  });

  it('names an unknown key id, the keys it has and where they came from, and what to do', async () => {
    const [old] = await codec.encode([payload()]);
    const withoutOld = new AesGcmPayloadCodec(ring({ current: 'k2', keys: { k2: newKey() } }));
    const error = await withoutOld.decode([old!]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadEncryptionError);
    expect((error as Error).message).toMatch(/encrypted with key id "k1", which is not in test keys \(it has "k2"\); after a rotation, keep the old keys/);
    expect((error as Error).message).not.toContain(first.keys.k1);
  });
});

describe('encryption off', () => {
  it('writes payloads unchanged and refuses an encrypted one with a message that says how to read it', async () => {
    const guard = new EncryptedPayloadGuard();
    const plain = payload();
    expect(await guard.encode([plain])).toEqual([plain]);
    expect(await guard.decode([plain])).toEqual([plain]);
    const [encrypted] = await new AesGcmPayloadCodec(ring(first)).encode([plain]);
    await expect(guard.decode([encrypted!])).rejects.toThrow(/encrypted \(key id "k1"\) and encryption is off here: set SYNTHLAB_ENCRYPTION_KEYS_FILE/);
  });

  it('is the default: no key variables, no failure converter; keys turn both on', () => {
    expect(keyRingFromEnvironment({})).toBeUndefined();
    expect(dataConverterFor(undefined).failureConverterPath).toBeUndefined();
    const on = dataConverterFor(ring(first));
    expect(on.failureConverterPath).toBe(ENCRYPTED_FAILURE_CONVERTER_PATH);
    expect(on.payloadCodecs?.[0]).toBeInstanceOf(AesGcmPayloadCodec);
  });
});

describe('key ring', () => {
  it('reads a key file named by SYNTHLAB_ENCRYPTION_KEYS_FILE, or the JSON in SYNTHLAB_ENCRYPTION_KEYS', () => {
    const file = join(directory, 'keys.json');
    writeFileSync(file, JSON.stringify(rotatedKeyFile(first, 'k2')));
    const fromFile = keyRingFromEnvironment({ SYNTHLAB_ENCRYPTION_KEYS_FILE: file })!;
    expect(fromFile.currentKeyId).toBe('k2');
    expect([...fromFile.keys.keys()].sort()).toEqual(['k1', 'k2']);
    expect(fromFile.source).toBe(`SYNTHLAB_ENCRYPTION_KEYS_FILE=${file}`);
    const inline = keyRingFromEnvironment({ SYNTHLAB_ENCRYPTION_KEYS: JSON.stringify(first) })!;
    expect(inline.keys.get('k1')?.length).toBe(32);
  });

  const secret = newKey();
  it.each([
    ['not JSON', '{"current": k1', /test keys: not valid JSON/],
    ['a short key', JSON.stringify({ current: 'k1', keys: { k1: Buffer.alloc(16).toString('base64') } }), /keys\.k1: a key is 32 random bytes in base64/],
    ['a current key that is not in keys', JSON.stringify({ current: 'k9', keys: { k1: secret } }), /current: "current" must name one of "keys"/],
    ['a bad key id', JSON.stringify({ current: 'k 1', keys: { 'k 1': secret } }), /a key id is 1 to 64 letters/],
    ['an unknown field', JSON.stringify({ current: 'k1', keys: { k1: secret }, cipher: 'des' }), /Unrecognized key.*cipher/],
  ])('refuses %s, naming the field and never the key', (_title, text, message) => {
    const error = (() => {
      try {
        parseKeyRing(text, 'test keys');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(EncryptionKeyError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(secret);
  });

  it('refuses a missing key file and both variables at once', () => {
    expect(() => keyRingFromEnvironment({ SYNTHLAB_ENCRYPTION_KEYS_FILE: join(directory, 'nope.json') })).toThrow(/nope\.json: no such file/);
    expect(() => keyRingFromEnvironment({ SYNTHLAB_ENCRYPTION_KEYS_FILE: 'x', SYNTHLAB_ENCRYPTION_KEYS: '{}' })).toThrow(/both .* are set; set one/);
  });

  it('a rotation refuses a key id already in the file', () => {
    expect(() => rotatedKeyFile(first, 'k1')).toThrow(/already in the key file/);
  });
});
