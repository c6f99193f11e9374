/**
 * Temporal payloads as `sweep status` reads them over temporal-wire/: decoded the way the SDK's
 * default data converter decodes them (`json/plain`, `binary/null`, `binary/plain`), after the
 * payload codec's decryption when they are encrypted (the keys load only then).
 */
import { decryptBytes, ENCRYPTED_ENCODING, encryptionOffError, KEY_ID_METADATA_KEY } from '../encryption/aes-gcm';
import { encryptionConfigured, type KeyRing } from '../encryption/key-ring-variables';
import { ProtoReader } from './protobuf';

export interface Payload {
  metadata: ReadonlyMap<string, Uint8Array>;
  data: Uint8Array;
}

/** A payload that no converter here knows how to read. */
export class PayloadDecodeError extends Error {
  override readonly name = 'PayloadDecodeError';
}

/** `temporal.api.common.v1.Payload`: metadata (a map<string, bytes>, field 1) and data (field 2). */
export function payloadFromProto(reader: ProtoReader): Payload {
  return { metadata: reader.map(1, (entry) => entry.bytes(2)), data: reader.bytes(2) };
}

function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata.get(key);
  return value === undefined ? undefined : Buffer.from(value).toString('utf8');
}

/** Turns payloads back into values; the key ring is read from the environment on the first encrypted payload. */
export class PayloadReader {
  private keyRing: KeyRing | undefined;

  constructor(private readonly env: Readonly<Record<string, string | undefined>> = process.env) {}

  private async keys(keyId: string | undefined): Promise<KeyRing> {
    if (this.keyRing) return this.keyRing;
    if (!encryptionConfigured(this.env)) throw encryptionOffError(keyId);
    const { keyRingFromEnvironment } = await import('../encryption/key-ring');
    const keyRing = keyRingFromEnvironment(this.env);
    if (!keyRing) throw encryptionOffError(keyId);
    return (this.keyRing = keyRing);
  }

  async value(payload: Payload): Promise<unknown> {
    const encoding = metadataText(payload, 'encoding');
    switch (encoding) {
      case 'json/plain':
        return JSON.parse(Buffer.from(payload.data).toString('utf8'));
      case 'binary/null':
        return undefined;
      case 'binary/plain':
        return payload.data;
      case ENCRYPTED_ENCODING: {
        const keyId = metadataText(payload, KEY_ID_METADATA_KEY);
        const plain = decryptBytes(await this.keys(keyId), keyId, payload.data);
        return this.value(payloadFromProto(new ProtoReader(plain)));
      }
      default:
        throw new PayloadDecodeError(`a payload has encoding ${encoding === undefined ? '(none)' : `"${encoding}"`}, which sweep status cannot read`);
    }
  }
}
