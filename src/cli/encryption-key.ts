/**
 * `synthlab encryption-key <file>`: creates a key file with one new AES-256 key, or rotates an
 * existing one (a new current key; the old keys stay, so old histories still decode). The file is
 * written readable by its owner only.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readKeyFile, rotatedKeyFile } from '../infra/encryption/key-ring';
import { resolveFromRepo } from '../infra/paths';

export async function encryptionKeyCommand(file: string, options: { id?: string }): Promise<number> {
  const path = resolveFromRepo(file);
  const existing = existsSync(path) ? readKeyFile(path) : undefined;
  const keyId = options.id ?? `key-${new Date().toISOString().slice(0, 19).replace(/[:]/g, '-')}`;
  const keyFile = rotatedKeyFile(existing, keyId);
  await writeOwnerOnly(path, `${JSON.stringify(keyFile, null, 2)}\n`);
  const count = Object.keys(keyFile.keys).length;
  console.log(`${existing ? 'rotated' : 'created'} ${path}: current key "${keyId}"${count > 1 ? `, ${count - 1} older key(s) kept for decoding` : ''}`);
  console.log(`turn encryption on with SYNTHLAB_ENCRYPTION_KEYS_FILE=${file} for the worker (synthlab up / worker) and the CLI`);
  return 0;
}

/** Writes atomically, with the file never readable by anyone but its owner, not even for a moment. */
async function writeOwnerOnly(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, content, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
