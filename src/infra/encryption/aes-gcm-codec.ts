/**
 * The payload codec: every payload (workflow and activity inputs and results, memos, summaries,
 * and failure messages and stack traces once the failure converter moves them into a payload) is
 * encrypted whole, metadata included, with AES-256-GCM under the key ring's current key. The key
 * id travels in the payload's metadata, so a payload decodes after a rotation as long as its key is
 * still in the ring. Runs outside the workflow sandbox (`payloadCodecs` of client and worker).
 *
 * Wire format of `data`: a 12-byte random IV, the ciphertext, the 16-byte GCM tag. The key id is
 * authenticated too (additional data), so a payload relabelled with another id fails to decode.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { ENCRYPTION_KEYS_FILE_VARIABLE, ENCRYPTION_KEYS_VARIABLE, type KeyRing } from './key-ring';

/** The encoding Temporal's tools show for an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';

// A default import: the package is CommonJS, and Node's ESM loader (the CLI) finds no named exports in it.
const ProtoPayload = proto.temporal.api.common.v1.Payload;

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that cannot be decrypted: unknown key id, altered bytes, missing metadata. */
export class PayloadEncryptionError extends Error {
  override readonly name = 'PayloadEncryptionError';
}

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
}

function additionalData(keyId: string): Buffer {
  return Buffer.from(`synthlab/${CIPHER}/v1:${keyId}`, 'utf8');
}

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keyRing: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keyRing.currentKeyId;
    const key = this.keyOf(keyId);
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(keyId));
      const plain = ProtoPayload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: Buffer.from(keyId) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[KEY_ID_METADATA_KEY]);
    if (!keyId) throw new PayloadEncryptionError(`an encrypted payload has no "${KEY_ID_METADATA_KEY}" metadata: it was not written by synthlab's codec`);
    const key = this.keyOf(keyId);
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadEncryptionError(`an encrypted payload (key id "${keyId}") is too short to hold an IV and a tag: it was truncated`);
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadEncryptionError(
        `an encrypted payload (key id "${keyId}") failed authentication: its bytes were altered, or the key under id "${keyId}" in ${this.keyRing.source} is not the one that encrypted it`,
      );
    }
    return ProtoPayload.decode(plain);
  }

  private keyOf(keyId: string): Buffer {
    const key = this.keyRing.keys.get(keyId);
    if (key) return key;
    throw new PayloadEncryptionError(
      `a payload is encrypted with key id "${keyId}", which is not in ${this.keyRing.source} (it has ${[...this.keyRing.keys.keys()].map((id) => `"${id}"`).join(', ')}); ` +
        'after a rotation, keep the old keys in the key file so that old histories still decode',
    );
  }
}

/**
 * The codec when encryption is off: writes payloads unchanged, and refuses an encrypted one with
 * a message that says how to read it, instead of the SDK's "Unknown encoding: binary/encrypted".
 */
export class EncryptedPayloadGuard implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    for (const payload of payloads) {
      if (isEncrypted(payload)) {
        throw new PayloadEncryptionError(
          `a payload is encrypted (key id "${text(payload.metadata?.[KEY_ID_METADATA_KEY]) ?? 'none'}") and encryption is off here: ` +
            `set ${ENCRYPTION_KEYS_FILE_VARIABLE} (a key file) or ${ENCRYPTION_KEYS_VARIABLE} (its JSON) to the keys the worker uses`,
        );
      }
    }
    return payloads;
  }
}
