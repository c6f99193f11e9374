/**
 * `synthlab codec-server`: serves the payload codec to the Temporal Web UI (and to
 * `temporal --codec-endpoint`), so that people with the keys read decrypted inputs, results and
 * failures in the UI while the server stores only ciphertext. Runs until SIGINT/SIGTERM.
 */
import { connectionSettings } from '../infra/connection';
import { AesGcmPayloadCodec } from '../infra/encryption/aes-gcm-codec';
import { startCodecServer } from '../infra/encryption/codec-server';
import { ENCRYPTION_KEYS_FILE_VARIABLE, ENCRYPTION_KEYS_VARIABLE, EncryptionKeyError, keyRingFromEnvironment } from '../infra/encryption/key-ring';
import { stackPorts } from '../infra/stack';
import { UsageError } from './usage-error';

export const CODEC_SERVER_TOKEN_VARIABLE = 'SYNTHLAB_CODEC_SERVER_TOKEN';

export interface CodecServerCommandOptions {
  port: string;
  host: string;
  uiOrigin?: string[];
  namespace?: string;
}

/** The UI addresses of the embedded stack: the one the state folder records, and the default port under both local names. */
function defaultUiOrigins(recordedUiUrl: string | undefined): string[] {
  const { uiPort } = stackPorts();
  const origins = [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
  if (recordedUiUrl) origins.unshift(new URL(recordedUiUrl).origin);
  return [...new Set(origins)];
}

function parseOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--ui-origin "${text}" is not a URL (e.g. http://127.0.0.1:8233)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--ui-origin "${text}": expected http:// or https://`);
  return url.origin;
}

export async function codecServerCommand(options: CodecServerCommandOptions): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port "${options.port}" is not a port number (0-65535)`);
  const keyRing = keyRingFromEnvironment();
  if (!keyRing) {
    throw new EncryptionKeyError(`the codec server needs the encryption keys: set ${ENCRYPTION_KEYS_FILE_VARIABLE} (a key file) or ${ENCRYPTION_KEYS_VARIABLE} (its JSON)`);
  }
  const settings = connectionSettings();
  const allowedOrigins = options.uiOrigin?.length ? options.uiOrigin.flatMap((origin) => origin.split(',')).map((origin) => parseOrigin(origin.trim())) : defaultUiOrigins(settings.uiUrl);
  const namespace = options.namespace ?? settings.namespace;
  const token = process.env[CODEC_SERVER_TOKEN_VARIABLE] || undefined;
  const server = await startCodecServer({ codec: new AesGcmPayloadCodec(keyRing), host: options.host, port, allowedOrigins, namespace, ...(token ? { token } : {}) });
  console.log(`codec server: ${server.url} (namespace ${namespace}, keys from ${keyRing.source}, current key "${keyRing.currentKeyId}")`);
  console.log(`ui origins:   ${allowedOrigins.join(', ')}`);
  console.log(`bearer token: ${token ? `required (${CODEC_SERVER_TOKEN_VARIABLE})` : `none (set ${CODEC_SERVER_TOKEN_VARIABLE} to require one)`}`);
  console.log(`point the UI at it: its Settings → Codec Server, or SYNTHLAB_UI_CODEC_ENDPOINT=${server.url} for \`synthlab up\``);
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', resolveStop);
    process.once('SIGTERM', resolveStop);
  });
  await server.close();
  return 0;
}
