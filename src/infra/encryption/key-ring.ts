/**
 * The payload encryption keys: a key ring of AES-256 keys by id, one of them current (it encrypts;
 * every key decrypts). Read from the file named by SYNTHLAB_ENCRYPTION_KEYS_FILE, or from the JSON
 * in SYNTHLAB_ENCRYPTION_KEYS; neither set means encryption is off. The format of both:
 *
 *   { "current": "2026-11", "keys": { "2026-11": "<32 random bytes, base64>", "2026-05": "<…>" } }
 *
 * A rotation adds a key and makes it current; old keys stay, so that histories written under them
 * still decode. Messages name the source and the key id, never a key.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { resolveFromRepo } from '../paths';

import { ENCRYPTION_KEYS_FILE_VARIABLE, ENCRYPTION_KEYS_VARIABLE, type KeyRing } from './key-ring-variables';

export { ENCRYPTION_KEYS_FILE_VARIABLE, ENCRYPTION_KEYS_VARIABLE, type KeyRing };

/** AES-256: 32-byte keys. */
export const KEY_BYTES = 32;

/** A key ring that cannot be used as given (a missing file, bad JSON, a short key): exit code 2. */
export class EncryptionKeyError extends Error {
  override readonly name = 'EncryptionKeyError';
}

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
// Strict base64 of exactly 32 bytes: 43 characters and one '=' of padding.
const KEY_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

const keyIdSchema = z.string().regex(KEY_ID_PATTERN, 'a key id is 1 to 64 letters, digits, ".", "_" or "-"');

const keyFileSchema = z
  .object({
    current: keyIdSchema,
    keys: z.record(
      keyIdSchema,
      z.string().regex(KEY_PATTERN, `a key is ${KEY_BYTES} random bytes in base64 (44 characters ending in "="; \`synthlab encryption-key <file>\` makes one)`),
    ),
  })
  .strict()
  .refine((file) => file.current in file.keys, { message: '"current" must name one of "keys"', path: ['current'] });

export type KeyFile = z.infer<typeof keyFileSchema>;

/** Parses the key ring JSON (a key file's text or the variable's value); `source` names it in errors. */
export function parseKeyRing(text: string, source: string): KeyRing {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new EncryptionKeyError(`${source}: not valid JSON; expected {"current": "<key id>", "keys": {"<key id>": "<base64 key>"}}`);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    // zod's messages name the field and the rule, never the value, so no key is ever printed.
    const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
    throw new EncryptionKeyError(`${source}: ${problems.join('; ')}`);
  }
  const keys = new Map(Object.entries(parsed.data.keys).map(([id, key]) => [id, Buffer.from(key, 'base64')]));
  return { currentKeyId: parsed.data.current, keys, source };
}

/** The key ring the environment names, or undefined when encryption is off. */
export function keyRingFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): KeyRing | undefined {
  const file = env[ENCRYPTION_KEYS_FILE_VARIABLE];
  const inline = env[ENCRYPTION_KEYS_VARIABLE];
  if (file && inline) {
    throw new EncryptionKeyError(`both ${ENCRYPTION_KEYS_FILE_VARIABLE} and ${ENCRYPTION_KEYS_VARIABLE} are set; set one`);
  }
  if (inline) return parseKeyRing(inline, ENCRYPTION_KEYS_VARIABLE);
  if (!file) return undefined;
  const path = resolveFromRepo(file);
  const source = `${ENCRYPTION_KEYS_FILE_VARIABLE}=${path}`;
  if (!existsSync(path)) throw new EncryptionKeyError(`${source}: no such file (\`synthlab encryption-key ${file}\` creates one)`);
  return parseKeyRing(readFileSync(path, 'utf8'), source);
}

/** A fresh random key, base64. */
export function newKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * The key file after a rotation: a new key under `keyId`, made current; every old key kept for
 * decoding. With no file yet, a key file holding the one new key.
 */
export function rotatedKeyFile(existing: KeyFile | undefined, keyId: string): KeyFile {
  if (!KEY_ID_PATTERN.test(keyId)) throw new EncryptionKeyError(`key id "${keyId}": a key id is 1 to 64 letters, digits, ".", "_" or "-"`);
  if (existing && keyId in existing.keys) throw new EncryptionKeyError(`key id "${keyId}" is already in the key file; choose a new id`);
  return { current: keyId, keys: { [keyId]: newKey(), ...(existing?.keys ?? {}) } };
}

/** Reads a key file as written (for a rotation); `parseKeyRing` checks it first. */
export function readKeyFile(path: string): KeyFile {
  const text = readFileSync(path, 'utf8');
  parseKeyRing(text, path);
  return keyFileSchema.parse(JSON.parse(text.replace(/^\uFEFF/, '')));
}
