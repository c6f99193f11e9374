/**
 * The data converter that client and worker share: with a key ring, the AES-256-GCM codec and the
 * failure converter that encodes messages and stack traces; without one, payloads as they are
 * (and a clear error on an encrypted one). The codec runs outside the workflow sandbox; the sandbox
 * loads only the failure converter (plain `@temporalio/common`).
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, EncryptedPayloadGuard } from './aes-gcm-codec';
import { keyRingFromEnvironment, type KeyRing } from './key-ring';

/** The failure converter module for `failureConverterPath` (and the workflow bundle) when encryption is on. */
export const ENCRYPTED_FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

export function dataConverterFor(keyRing: KeyRing | undefined): DataConverter {
  if (!keyRing) return { payloadCodecs: [new EncryptedPayloadGuard()] };
  return { payloadCodecs: [new AesGcmPayloadCodec(keyRing)], failureConverterPath: ENCRYPTED_FAILURE_CONVERTER_PATH };
}

/** The data converter the environment asks for (see key-ring.ts): encryption off unless keys are set. */
export function dataConverterFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): DataConverter {
  return dataConverterFor(keyRingFromEnvironment(env));
}
