/**
 * The environment variables that name the payload encryption keys, the key ring's shape, and
 * whether encryption is on, without reading or checking the keys (key-ring.ts does that, with zod).
 * Kept apart so that `sweep status` decides whether it needs the keys before loading that code.
 */
export const ENCRYPTION_KEYS_FILE_VARIABLE = 'SYNTHLAB_ENCRYPTION_KEYS_FILE';
export const ENCRYPTION_KEYS_VARIABLE = 'SYNTHLAB_ENCRYPTION_KEYS';

export interface KeyRing {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
  /** Where the keys came from, for messages: `SYNTHLAB_ENCRYPTION_KEYS_FILE=/path` or the variable's name. */
  source: string;
}

/** Whether the environment names keys (an empty variable counts as unset, as key-ring.ts reads it). */
export function encryptionConfigured(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return Boolean(env[ENCRYPTION_KEYS_FILE_VARIABLE] || env[ENCRYPTION_KEYS_VARIABLE]);
}
