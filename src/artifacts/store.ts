/**
 * Content-addressed artifact store. Blobs and published models live in a backend chosen by one
 * setting (src/artifacts/location.ts): the local state folder by default, a shared file system, or
 * an S3 bucket; refs name them by store-relative key (`artifact:blobs/ab/<sha>.json`), so any worker
 * resolves them against its own store.
 *
 * Beside the blobs, in the worker's own state folder, sits an index of "outputs by input key": an
 * activity records which artifact it produced for a given input hash, and a re-run with the same
 * inputs returns that artifact without doing the work again — as long as everything the record
 * points at is still there. Work folders (partial generations, training runs and their resumable
 * checkpoints) are local too: they are scratch of the worker that runs the activity.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { FileBackend, type BlobBackend } from './blob-backends';
import { artifactKeyOf, artifactRefSchema, artifactUriOf, type ArtifactRef } from './ref';
import { ArtifactIntegrityError, sha256Of, writeFileAtomic } from './write-atomic';

export { ArtifactIntegrityError, ATOMIC_WRITE_SUFFIX_LENGTH, sha256Of, sha256OfFile, writeFileAtomic } from './write-atomic';

export class ArtifactStore {
  readonly backend: BlobBackend;

  /** `root` is this worker's state folder for artifacts; the backend defaults to blobs under it. */
  constructor(
    readonly root: string,
    backend?: BlobBackend,
  ) {
    this.backend = backend ?? new FileBackend(root);
  }

  /** Stores bytes under their sha256; storing the same content twice is a no-op. */
  async put(content: string | Uint8Array, extension: string): Promise<ArtifactRef> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const sha256 = sha256Of(bytes);
    const key = `blobs/${sha256.slice(0, 2)}/${sha256}.${extension}`;
    await this.backend.putBlob(key, bytes);
    return { uri: artifactUriOf(key), sha256, bytes: bytes.byteLength };
  }

  putJson(value: unknown): Promise<ArtifactRef> {
    return this.put(`${JSON.stringify(value, null, 2)}\n`, 'json');
  }

  putJsonl(rows: readonly unknown[]): Promise<ArtifactRef> {
    return this.put(rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length > 0 ? '\n' : ''), 'jsonl');
  }

  /** A local file holding the artifact (fetched into this worker's cache when the store is remote), for the ML CLI. */
  async localPath(ref: ArtifactRef): Promise<string> {
    const key = artifactKeyOf(ref.uri);
    if (key === undefined) return legacyPathOf(ref);
    return this.backend.localBlob(key, ref.sha256);
  }

  /** The artifact's file when the store is a folder (tests and tools that alter blobs in place); an S3 store has none. */
  pathOf(ref: ArtifactRef): string {
    const key = artifactKeyOf(ref.uri);
    if (key === undefined) return legacyPathOf(ref);
    if (!(this.backend instanceof FileBackend)) throw new Error(`artifact ${ref.uri} lives in ${this.backend.description}, not in a folder`);
    return this.backend.pathOf(key);
  }

  /** Reads an artifact and checks its hash, so a corrupted or swapped file is never used silently. */
  async read(ref: ArtifactRef): Promise<Buffer> {
    const content = await readFile(await this.localPath(ref));
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
   * Publishes a trained model folder (under this store's work folder) for other activities and
   * workers: its reference is `artifact:work/train/<run>/best`, the same on every machine.
   */
  async publishModel(modelDir: string): Promise<string> {
    const key = relative(await realpath(this.root), await realpath(modelDir)).split(sep).join('/');
    if (key.startsWith('..') || isAbsolute(key)) throw new Error(`model folder ${modelDir} is not under the artifact store's folder ${this.root}`);
    const runKey = dirname(key);
    await this.backend.publishModel(join(this.root, ...runKey.split('/')), basename(key), key);
    return artifactUriOf(key);
  }

  /** A local folder for a model reference: an `artifact:` key (fetched when remote), or an old record's absolute path. */
  async localModelDir(modelDir: string): Promise<string> {
    const key = artifactKeyOf(modelDir);
    return key === undefined ? modelDir : this.backend.localModel(key);
  }

  async hasModelDir(modelDir: string): Promise<boolean> {
    const key = artifactKeyOf(modelDir);
    if (key !== undefined) return this.backend.hasModel(key);
    const found = await stat(modelDir).catch(() => undefined);
    return found !== undefined && found.isDirectory();
  }

  /**
   * The recorded output of `namespace` for this input key, if everything it points at is still
   * present: every artifact reference in it (of the recorded size; not re-hashed, `read` checks
   * the hash) and every model folder under a key ending in `Dir` (such as `modelDir`). A record
   * with anything missing is a miss, so the stage does its work again.
   */
  async lookup<T>(namespace: string, inputKey: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const path = this.indexPath(namespace, inputKey);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const output = schema.parse(JSON.parse(text));
    return (await this.allPresent(output)) ? output : undefined;
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

  /** Whether every artifact reference and `…Dir` model folder inside `value` exists (see `lookup`). */
  private async allPresent(value: unknown): Promise<boolean> {
    const checks: Promise<boolean>[] = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach(visit);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const ref = artifactRefSchema.safeParse(node);
      if (ref.success) {
        checks.push(this.isPresent(ref.data));
        return;
      }
      for (const [key, child] of Object.entries(node)) {
        if (key.endsWith('Dir') && typeof child === 'string') checks.push(this.hasModelDir(child));
        else visit(child);
      }
    };
    visit(value);
    return (await Promise.all(checks)).every(Boolean);
  }

  private async isPresent(ref: ArtifactRef): Promise<boolean> {
    const key = artifactKeyOf(ref.uri);
    if (key !== undefined) return this.backend.hasBlob(key, ref.bytes);
    const found = await stat(legacyPathOf(ref)).catch(() => undefined);
    return found !== undefined && found.isFile() && found.size === ref.bytes;
  }
}

/** The local path of a ref recorded before store-relative keys (`file:///abs/path`). */
function legacyPathOf(ref: ArtifactRef): string {
  if (!ref.uri.startsWith('file:')) throw new Error(`artifact ${ref.uri} is neither an artifact: key nor a file: URI`);
  return fileURLToPath(ref.uri);
}
