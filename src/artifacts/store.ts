/**
 * Content-addressed artifact store on the local file system (the state folder by default).
 * Every write goes to a temporary file in the same folder and is renamed into place, so a
 * crash never leaves a half-written artifact under its final name.
 *
 * Beside the blobs sits an index of "outputs by input key": an activity records which artifact
 * it produced for a given input hash, and a re-run with the same inputs returns that artifact
 * without doing the work again — as long as everything the record points at is still there.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { artifactRefSchema, type ArtifactRef } from './ref';

export class ArtifactIntegrityError extends Error {
  override readonly name = 'ArtifactIntegrityError';
}

/** What writeFileAtomic adds to a file's name for its temporary file: `.<uuid>.tmp`. */
export const ATOMIC_WRITE_SUFFIX_LENGTH = '.00000000-0000-0000-0000-000000000000.tmp'.length;

export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export function sha256Of(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function pathOfRef(ref: ArtifactRef): string {
  return fileURLToPath(ref.uri);
}

export class ArtifactStore {
  constructor(readonly root: string) {}

  /** Stores bytes under their sha256; storing the same content twice is a no-op. */
  async put(content: string | Uint8Array, extension: string): Promise<ArtifactRef> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const sha256 = sha256Of(bytes);
    const path = join(this.root, 'blobs', sha256.slice(0, 2), `${sha256}.${extension}`);
    const existing = await stat(path).catch(() => undefined);
    if (!existing) await writeFileAtomic(path, bytes);
    return { uri: pathToFileURL(path).href, sha256, bytes: bytes.byteLength };
  }

  putJson(value: unknown): Promise<ArtifactRef> {
    return this.put(`${JSON.stringify(value, null, 2)}\n`, 'json');
  }

  putJsonl(rows: readonly unknown[]): Promise<ArtifactRef> {
    return this.put(rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length > 0 ? '\n' : ''), 'jsonl');
  }

  /** Reads an artifact and checks its hash, so a corrupted or swapped file is never used silently. */
  async read(ref: ArtifactRef): Promise<Buffer> {
    const content = await readFile(pathOfRef(ref));
    const actual = sha256Of(content);
    if (actual !== ref.sha256) {
      throw new ArtifactIntegrityError(`artifact ${ref.uri} has sha256 ${actual}, expected ${ref.sha256}`);
    }
    return content;
  }

  async readJson<T>(ref: ArtifactRef, schema: z.ZodType<T>): Promise<T> {
    return schema.parse(JSON.parse((await this.read(ref)).toString('utf8')));
  }

  async readJsonl<T>(ref: ArtifactRef, schema: z.ZodType<T>): Promise<T[]> {
    const text = (await this.read(ref)).toString('utf8');
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => schema.parse(JSON.parse(line)));
  }

  /**
   * The recorded output of `namespace` for this input key, if everything it points at is still
   * present: every artifact reference in it (a file of the recorded size; not re-hashed, `read`
   * checks the hash) and every directory under a key ending in `Dir` (such as `modelDir`). A
   * record with anything missing is a miss, so the stage does its work again.
   */
  async lookup<T>(namespace: string, inputKey: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const path = this.indexPath(namespace, inputKey);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const output = schema.parse(JSON.parse(text));
    return (await allPresent(output)) ? output : undefined;
  }

  async record(namespace: string, inputKey: string, output: unknown): Promise<void> {
    await writeFileAtomic(this.indexPath(namespace, inputKey), `${JSON.stringify(output, null, 2)}\n`);
  }

  /** A stable private folder for work in progress of one input key (partial generations, training runs). */
  workDir(namespace: string, inputKey: string): string {
    return join(this.root, 'work', namespace, inputKey);
  }

  private indexPath(namespace: string, inputKey: string): string {
    return join(this.root, 'index', namespace, `${inputKey}.json`);
  }
}

/** Whether every artifact reference and `…Dir` directory inside `value` exists (see `lookup`). */
async function allPresent(value: unknown): Promise<boolean> {
  const checks: Promise<boolean>[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const ref = artifactRefSchema.safeParse(node);
    if (ref.success) {
      if (!ref.data.uri.startsWith('file:')) throw new Error(`artifact ${ref.data.uri} is not a file: URI; this store keeps artifacts on the file system`);
      checks.push(isFileOfSize(pathOfRef(ref.data), ref.data.bytes));
      return;
    }
    for (const [key, child] of Object.entries(node)) {
      if (key.endsWith('Dir') && typeof child === 'string') checks.push(isDirectory(child));
      else visit(child);
    }
  };
  visit(value);
  return (await Promise.all(checks)).every(Boolean);
}

async function isFileOfSize(path: string, bytes: number): Promise<boolean> {
  const found = await stat(path).catch(() => undefined);
  return found !== undefined && found.isFile() && found.size === bytes;
}

async function isDirectory(path: string): Promise<boolean> {
  const found = await stat(path).catch(() => undefined);
  return found !== undefined && found.isDirectory();
}
