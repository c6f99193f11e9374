/**
 * Where an artifact store keeps its blobs and published model folders, by store-relative key:
 * a folder (the worker's own state folder, or a file system every worker mounts, each at its own
 * path) or an S3 bucket. Blobs are content-addressed, so a put finds a blob already there and
 * skips it. A model folder is published as files under its key plus a manifest of their sha256s,
 * written last: its presence means the folder is complete.
 */
import { cp, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { S3Client } from './s3-client';
import { ArtifactIntegrityError, sha256Of, writeFileAtomic } from './write-atomic';

export interface BlobBackend {
  /** Where artifacts go, for messages (`/srv/synthlab`, `s3://bucket/prefix`); never a credential. */
  readonly description: string;
  /** Whether a blob of `bytes` bytes is stored under `key` (a cheap check: not re-hashed). */
  hasBlob(key: string, bytes: number): Promise<boolean>;
  /** Stores `content` under `key` unless it is there already. */
  putBlob(key: string, content: Uint8Array): Promise<void>;
  /** A local file with the blob's content, checked against `sha256` when it had to be fetched. */
  localBlob(key: string, sha256: string): Promise<string>;
  /** Publishes the run folder's model `<runDir>/<name>` (and the run's `epochs/`, when kept) under `key` (which ends in `/<name>`). */
  publishModel(runDir: string, name: string, key: string): Promise<void>;
  hasModel(key: string): Promise<boolean>;
  /** A local folder holding the published model (its sibling `epochs/` beside it). */
  localModel(key: string): Promise<string>;
}

/** The run folder's files the trainer's consumers read: the best model and the kept epoch checkpoints. */
const EPOCHS_DIR = 'epochs';

function parentKey(key: string): string {
  return key.split('/').slice(0, -1).join('/');
}

async function isFileOfSize(path: string, bytes: number): Promise<boolean> {
  const found = await stat(path).catch(() => undefined);
  return found !== undefined && found.isFile() && found.size === bytes;
}

async function isDirectory(path: string): Promise<boolean> {
  const found = await stat(path).catch(() => undefined);
  return found !== undefined && found.isDirectory();
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** Blobs and models under a folder: the local state folder (default) or a shared file system. */
export class FileBackend implements BlobBackend {
  constructor(readonly root: string) {}

  get description(): string {
    return this.root;
  }

  pathOf(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  hasBlob(key: string, bytes: number): Promise<boolean> {
    return isFileOfSize(this.pathOf(key), bytes);
  }

  async putBlob(key: string, content: Uint8Array): Promise<void> {
    if (await this.hasBlob(key, content.byteLength)) return;
    await writeFileAtomic(this.pathOf(key), content);
  }

  async localBlob(key: string): Promise<string> {
    return this.pathOf(key);
  }

  /** A run trained under this root is published where it lies; one trained elsewhere is copied in, folder by folder, atomically. */
  async publishModel(runDir: string, name: string, key: string): Promise<void> {
    const target = this.pathOf(parentKey(key));
    if (target === runDir) return;
    for (const folder of [name, EPOCHS_DIR]) {
      const source = join(runDir, folder);
      if (!(await isDirectory(source))) continue;
      const temporary = join(target, `.${folder}.${randomUUID()}.tmp`);
      await mkdir(target, { recursive: true });
      await cp(source, temporary, { recursive: true });
      await rm(join(target, folder), { recursive: true, force: true });
      await rename(temporary, join(target, folder));
    }
  }

  hasModel(key: string): Promise<boolean> {
    return isDirectory(this.pathOf(key));
  }

  async localModel(key: string): Promise<string> {
    return this.pathOf(key);
  }
}

const modelManifestSchema = z.strictObject({
  files: z.array(z.strictObject({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() })),
});

export interface S3Location {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash; may be empty. */
  prefix: string;
}

/**
 * Blobs and models in an S3 bucket. Reads go through a local cache folder (under the worker's
 * state folder): a blob is downloaded once, checked against its sha256 and written atomically.
 */
export class S3Backend implements BlobBackend {
  constructor(
    private readonly client: S3Client,
    readonly location: S3Location,
    /** The local cache of downloaded blobs and models. */
    readonly cacheRoot: string,
    /** The worker's own state folder: a model it trained itself is read from its run folder there. */
    private readonly localRoot: string,
  ) {}

  get description(): string {
    return `s3://${this.location.bucket}${this.location.prefix ? `/${this.location.prefix}` : ''}`;
  }

  private objectKey(key: string): string {
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }

  private cachePathOf(key: string): string {
    return join(this.cacheRoot, ...key.split('/'));
  }

  async hasBlob(key: string, bytes: number): Promise<boolean> {
    const found = await this.client.headObject(this.location.bucket, this.objectKey(key));
    return found !== undefined && found.bytes === bytes;
  }

  async putBlob(key: string, content: Uint8Array): Promise<void> {
    if (!(await this.hasBlob(key, content.byteLength))) await this.client.putObject(this.location.bucket, this.objectKey(key), content);
    // What this worker wrote it may read next: keep a copy, so that read needs no download.
    await writeFileAtomic(this.cachePathOf(key), content);
  }

  async localBlob(key: string, sha256: string): Promise<string> {
    const path = this.cachePathOf(key);
    const cached = await readFile(path).catch(() => undefined);
    if (cached !== undefined && sha256Of(cached) === sha256) return path;
    const content = await this.client.getObject(this.location.bucket, this.objectKey(key));
    if (content === undefined) throw new ArtifactIntegrityError(`artifact ${key} is not in ${this.description}`);
    const actual = sha256Of(content);
    if (actual !== sha256) throw new ArtifactIntegrityError(`artifact ${key} in ${this.description} has sha256 ${actual}, expected ${sha256}`);
    await writeFileAtomic(path, content);
    return path;
  }

  private manifestKey(key: string): string {
    return `${key}.manifest.json`;
  }

  async publishModel(runDir: string, name: string, key: string): Promise<void> {
    const runKey = parentKey(key);
    const files: z.infer<typeof modelManifestSchema>['files'] = [];
    for (const folder of [name, EPOCHS_DIR]) {
      for (const path of await filesUnder(join(runDir, folder))) {
        const content = await readFile(join(runDir, folder, ...path.split('/')));
        const relativePath = `${folder}/${path}`;
        await this.client.putObject(this.location.bucket, this.objectKey(`${runKey}/${relativePath}`), content);
        files.push({ path: relativePath, sha256: sha256Of(content), bytes: content.byteLength });
      }
    }
    if (files.length === 0) throw new Error(`no model files in ${join(runDir, name)} to publish`);
    const manifest = Buffer.from(`${JSON.stringify({ files }, null, 2)}\n`, 'utf8');
    await this.client.putObject(this.location.bucket, this.objectKey(this.manifestKey(key)), manifest);
  }

  async hasModel(key: string): Promise<boolean> {
    if (await isDirectory(join(this.localRoot, ...key.split('/')))) return true;
    return (await this.client.headObject(this.location.bucket, this.objectKey(this.manifestKey(key)))) !== undefined;
  }

  /** The worker's own run folder when it trained the model, else a verified download into the cache. */
  async localModel(key: string): Promise<string> {
    const own = join(this.localRoot, ...key.split('/'));
    if (await isDirectory(own)) return own;
    const cached = this.cachePathOf(key);
    const manifestText = await this.client.getObject(this.location.bucket, this.objectKey(this.manifestKey(key)));
    if (manifestText === undefined) throw new ArtifactIntegrityError(`model ${key} is not in ${this.description} (no manifest)`);
    const manifest = modelManifestSchema.parse(JSON.parse(manifestText.toString('utf8')));
    const runKey = parentKey(key);
    for (const file of manifest.files) {
      const target = join(this.cachePathOf(runKey), ...file.path.split('/'));
      if (await isFileOfSize(target, file.bytes)) continue;
      const content = await this.client.getObject(this.location.bucket, this.objectKey(`${runKey}/${file.path}`));
      if (content === undefined) throw new ArtifactIntegrityError(`model file ${runKey}/${file.path} is not in ${this.description}`);
      const actual = sha256Of(content);
      if (actual !== file.sha256) throw new ArtifactIntegrityError(`model file ${runKey}/${file.path} in ${this.description} has sha256 ${actual}, expected ${file.sha256}`);
      await writeFileAtomic(target, content);
    }
    return cached;
  }
}
