/**
 * The one setting that chooses where artifacts live, read from the environment by every process
 * that builds an artifact store (worker, report, demo):
 *
 * - `SYNTHLAB_ARTIFACTS` unset or empty: blobs in this machine's state folder (one machine).
 * - `SYNTHLAB_ARTIFACTS=/mnt/shared/synthlab`: blobs and published models on a file system every
 *   worker mounts (each may mount it elsewhere: refs hold store-relative keys).
 * - `SYNTHLAB_ARTIFACTS=s3://bucket/prefix`: an S3-compatible bucket, at `SYNTHLAB_S3_ENDPOINT`
 *   (default AWS's endpoint of the region), region `SYNTHLAB_S3_REGION` (else `AWS_REGION`, else
 *   us-east-1), credentials `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`).
 *   Downloads are cached under the state folder's `cache/`.
 *
 * The index of finished work, work folders and sweep records stay in each worker's state folder.
 */
import { isAbsolute, join } from 'node:path';
import { FileBackend, S3Backend, type BlobBackend } from './blob-backends';
import { S3Client } from './s3-client';
import { ArtifactStore } from './store';

export type Env = Readonly<Record<string, string | undefined>>;

export class ArtifactLocationError extends Error {
  override readonly name = 'ArtifactLocationError';
}

export type ArtifactLocation =
  | { kind: 'state-folder' }
  | { kind: 'folder'; root: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint: string; region: string };

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses the setting; a malformed value is an error naming the variable and what is wrong. */
export function artifactLocationOf(env: Env): ArtifactLocation {
  const raw = env.SYNTHLAB_ARTIFACTS?.trim() ?? '';
  if (raw === '') return { kind: 'state-folder' };
  if (raw.startsWith('s3://')) {
    const [bucket = '', ...rest] = raw.slice('s3://'.length).split('/');
    if (!BUCKET_NAME.test(bucket)) throw new ArtifactLocationError(`SYNTHLAB_ARTIFACTS=${raw}: "${bucket}" is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)`);
    const prefix = rest.filter((segment) => segment.length > 0).join('/');
    if (prefix.split('/').some((segment) => segment === '.' || segment === '..')) throw new ArtifactLocationError(`SYNTHLAB_ARTIFACTS=${raw}: the key prefix may not hold . or .. segments`);
    const region = env.SYNTHLAB_S3_REGION?.trim() || env.AWS_REGION?.trim() || 'us-east-1';
    const endpoint = env.SYNTHLAB_S3_ENDPOINT?.trim() || `https://s3.${region}.amazonaws.com`;
    if (!/^https?:\/\/[^/]+\/?$/.test(endpoint)) throw new ArtifactLocationError(`SYNTHLAB_S3_ENDPOINT=${endpoint}: expected http(s)://host[:port], without a path`);
    return { kind: 's3', bucket, prefix, endpoint: endpoint.replace(/\/$/, ''), region };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw new ArtifactLocationError(`SYNTHLAB_ARTIFACTS=${raw}: only s3:// URLs or absolute folder paths are supported`);
  if (!isAbsolute(raw)) throw new ArtifactLocationError(`SYNTHLAB_ARTIFACTS=${raw}: a shared folder must be an absolute path`);
  return { kind: 'folder', root: raw };
}

/** The S3 client for an `s3` location, with credentials from the environment (never logged). */
export function s3ClientFor(location: Extract<ArtifactLocation, { kind: 's3' }>, env: Env): S3Client {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  const missing = [accessKeyId ? undefined : 'AWS_ACCESS_KEY_ID', secretAccessKey ? undefined : 'AWS_SECRET_ACCESS_KEY'].filter((name) => name !== undefined);
  if (missing.length > 0 || !accessKeyId || !secretAccessKey) throw new ArtifactLocationError(`SYNTHLAB_ARTIFACTS=s3://${location.bucket}: set ${missing.join(' and ')} in the environment`);
  const sessionToken = env.AWS_SESSION_TOKEN?.trim();
  return new S3Client({ endpoint: location.endpoint, region: location.region, credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } });
}

/** The artifact store of a process whose state folder for artifacts is `stateArtifactsDir`, where the setting says. */
export function artifactStoreFromEnvironment(stateArtifactsDir: string, env: Env = process.env): ArtifactStore {
  const location = artifactLocationOf(env);
  return new ArtifactStore(stateArtifactsDir, backendFor(location, stateArtifactsDir, env));
}

function backendFor(location: ArtifactLocation, stateArtifactsDir: string, env: Env): BlobBackend {
  switch (location.kind) {
    case 'state-folder':
      return new FileBackend(stateArtifactsDir);
    case 'folder':
      return new FileBackend(location.root);
    case 's3':
      return new S3Backend(s3ClientFor(location, env), { bucket: location.bucket, prefix: location.prefix }, join(stateArtifactsDir, 'cache'), stateArtifactsDir);
  }
}
