/**
 * The payload codec: every payload (workflow and activity inputs and results, memos, summaries,
 * and failure messages and stack traces once the failure converter moves them into a payload) is
 * encrypted whole, metadata included, with AES-256-GCM under the key ring's current key. The key
 * id travels in the payload's metadata, so a payload decodes after a rotation as long as its key is
 * still in the ring. Runs outside the workflow sandbox (`payloadCodecs` of client and worker).
 * The cipher and the wire format of `data`: aes-gcm.ts.
 */
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { decryptBytes, ENCRYPTED_ENCODING, encryptBytes, encryptionOffError, KEY_ID_METADATA_KEY } from './aes-gcm';
import type { KeyRing } from './key-ring-variables';

export { ENCRYPTED_ENCODING, KEY_ID_METADATA_KEY, PayloadEncryptionError } from './aes-gcm';

// A default import: the package is CommonJS, and Node's ESM loader (the CLI) finds no named exports in it.
const ProtoPayload = proto.temporal.api.common.v1.Payload;

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
}

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keyRing: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const { keyId, data } = encryptBytes(this.keyRing, ProtoPayload.encode(payload).finish());
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: Buffer.from(keyId) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) =>
      isEncrypted(payload) ? ProtoPayload.decode(decryptBytes(this.keyRing, text(payload.metadata?.[KEY_ID_METADATA_KEY]), payload.data ?? new Uint8Array())) : payload,
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
      if (isEncrypted(payload)) throw encryptionOffError(text(payload.metadata?.[KEY_ID_METADATA_KEY]));
    }
    return payloads;
  }
}
