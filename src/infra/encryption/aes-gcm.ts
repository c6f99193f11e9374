/**
 * AES-256-GCM over bytes under a key ring, and the errors of payload encryption: the cipher of the
 * payload codec (aes-gcm-codec.ts), without the Temporal SDK, so that `sweep status` (which reads
 * payloads over temporal-wire/) decrypts with the same code.
 *
 * Wire format: a 12-byte random IV, the ciphertext, the 16-byte GCM tag. The key id is
 * authenticated too (additional data), so a payload relabelled with another id fails to decode.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ENCRYPTION_KEYS_FILE_VARIABLE, ENCRYPTION_KEYS_VARIABLE, type KeyRing } from './key-ring-variables';

/** The encoding Temporal's tools show for an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that cannot be decrypted: unknown key id, altered bytes, missing metadata. */
export class PayloadEncryptionError extends Error {
  override readonly name = 'PayloadEncryptionError';
}

function additionalData(keyId: string): Buffer {
  return Buffer.from(`synthlab/${CIPHER}/v1:${keyId}`, 'utf8');
}

function keyOf(keyRing: KeyRing, keyId: string): Buffer {
  const key = keyRing.keys.get(keyId);
  if (key) return key;
  throw new PayloadEncryptionError(
    `a payload is encrypted with key id "${keyId}", which is not in ${keyRing.source} (it has ${[...keyRing.keys.keys()].map((id) => `"${id}"`).join(', ')}); ` +
      'after a rotation, keep the old keys in the key file so that old histories still decode',
  );
}

/** Encrypts under the ring's current key; returns that key's id with the bytes. */
export function encryptBytes(keyRing: KeyRing, plain: Uint8Array): { keyId: string; data: Buffer } {
  const keyId = keyRing.currentKeyId;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, keyOf(keyRing, keyId), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(keyId));
  return { keyId, data: Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]) };
}

/** Decrypts what `encryptBytes` wrote under `keyId` (`keyId` undefined: the payload's metadata had none). */
export function decryptBytes(keyRing: KeyRing, keyId: string | undefined, encrypted: Uint8Array): Buffer {
  if (!keyId) throw new PayloadEncryptionError(`an encrypted payload has no "${KEY_ID_METADATA_KEY}" metadata: it was not written by synthlab's codec`);
  const key = keyOf(keyRing, keyId);
  const data = Buffer.from(encrypted);
  if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadEncryptionError(`an encrypted payload (key id "${keyId}") is too short to hold an IV and a tag: it was truncated`);
  const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(keyId));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PayloadEncryptionError(
      `an encrypted payload (key id "${keyId}") failed authentication: its bytes were altered, or the key under id "${keyId}" in ${keyRing.source} is not the one that encrypted it`,
    );
  }
}

/** The error for an encrypted payload where encryption is off. */
export function encryptionOffError(keyId: string | undefined): PayloadEncryptionError {
  return new PayloadEncryptionError(
    `a payload is encrypted (key id "${keyId ?? 'none'}") and encryption is off here: ` +
      `set ${ENCRYPTION_KEYS_FILE_VARIABLE} (a key file) or ${ENCRYPTION_KEYS_VARIABLE} (its JSON) to the keys the worker uses`,
  );
}
