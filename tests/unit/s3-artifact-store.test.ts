/**
 * The artifact store on a real S3-compatible server (SeaweedFS started by the test): two stores
 * with separate state folders share blobs and a published model through the bucket alone.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { artifactLocationOf, artifactStoreFromEnvironment } from '../../src/artifacts/location';
import { S3RequestError } from '../../src/artifacts/s3-client';
import { ArtifactIntegrityError, type ArtifactStore } from '../../src/artifacts/store';
import { startSeaweedS3, type TestS3 } from '../helpers/seaweedfs';

let s3: TestS3;
let scratch: string;
const BUCKET = 'store-test';

function s3Env(overrides: Record<string, string> = {}) {
  return { SYNTHLAB_ARTIFACTS: `s3://${BUCKET}/runs/one`, SYNTHLAB_S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, ...overrides };
}

async function storeIn(name: string, overrides: Record<string, string> = {}): Promise<ArtifactStore> {
  return artifactStoreFromEnvironment(join(scratch, name, 'artifacts'), s3Env(overrides));
}

beforeAll(async () => {
  s3 = await startSeaweedS3();
  await s3.client.createBucket(BUCKET);
  scratch = await mkdtemp(join(tmpdir(), 'synthlab-s3-store-'));
}, 90_000);

afterAll(async () => {
  await s3?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('artifact store on S3', () => {
  it('a blob put by one store is read by another with its own state folder, by a key naming no path', async () => {
    const writer = await storeIn('a');
    const reader = await storeIn('b');
    const ref = await writer.putJsonl([{ text: 'Bore da', label: 'greeting' }]);
    expect(ref.uri).toMatch(/^artifact:blobs\/[0-9a-f]{2}\/[0-9a-f]{64}\.jsonl$/);
    expect(await s3.client.headObject(BUCKET, `runs/one/${ref.uri.slice('artifact:'.length)}`)).toEqual({ bytes: ref.bytes });
    expect(await reader.readJsonl(ref, z.object({ text: z.string(), label: z.string() }))).toEqual([{ text: 'Bore da', label: 'greeting' }]);
    // Fetched once into the reader's cache, under its own state folder.
    expect(await reader.localPath(ref)).toBe(join(scratch, 'b', 'artifacts', 'cache', ...ref.uri.slice('artifact:'.length).split('/')));
    // Putting the same content again is a no-op that returns the same ref.
    expect(await reader.putJsonl([{ text: 'Bore da', label: 'greeting' }])).toEqual(ref);
  });

  it('a cached copy that was altered is fetched again; an object that was altered fails naming the hashes', async () => {
    const writer = await storeIn('c');
    const reader = await storeIn('d');
    const ref = await writer.putJson({ macro_f1: 0.5 });
    const cached = await reader.localPath(ref);
    await writeFile(cached, '{"macro_f1": 1}\n');
    expect(JSON.parse((await reader.read(ref)).toString('utf8'))).toEqual({ macro_f1: 0.5 });

    const key = ref.uri.slice('artifact:'.length);
    await s3.client.putObject(BUCKET, `runs/one/${key}`, Buffer.from('{"macro_f1": 2}\n'));
    const fresh = await storeIn('e');
    await expect(fresh.read(ref)).rejects.toThrow(ArtifactIntegrityError);
    await expect(fresh.read(ref)).rejects.toThrow(new RegExp(`expected ${ref.sha256}`));
  });

  it('a published model is found by a record lookup and fetched, verified, by another store', async () => {
    const trainer = await storeIn('trainer');
    const runDir = trainer.workDir('train', 'run-1');
    await mkdir(join(runDir, 'best'), { recursive: true });
    await mkdir(join(runDir, 'epochs', 'epoch-1'), { recursive: true });
    await writeFile(join(runDir, 'best', 'config.json'), '{"labels": ["a", "b"]}');
    await writeFile(join(runDir, 'best', 'model.safetensors'), Buffer.alloc(70_000, 7));
    await writeFile(join(runDir, 'epochs', 'epoch-1', 'trained.safetensors'), 'epoch one');
    const modelDir = await trainer.publishModel(join(runDir, 'best'));
    expect(modelDir).toBe('artifact:work/train/run-1/best');
    // The trainer reads its own run folder; nothing is downloaded.
    expect(await trainer.localModelDir(modelDir)).toBe(join(runDir, 'best'));

    const annotator = await storeIn('annotator');
    await annotator.record('fine-tune', 'run-1', { modelDir, trainResult: await trainer.putJson({ best_dir: 'best' }) });
    expect(await annotator.lookup('fine-tune', 'run-1', z.object({ modelDir: z.string() }).loose())).toBeDefined();
    const local = await annotator.localModelDir(modelDir);
    expect(local).toBe(join(scratch, 'annotator', 'artifacts', 'cache', 'work', 'train', 'run-1', 'best'));
    expect(await readFile(join(local, 'model.safetensors'))).toEqual(Buffer.alloc(70_000, 7));
    expect(await readFile(join(local, '..', 'epochs', 'epoch-1', 'trained.safetensors'), 'utf8')).toBe('epoch one');

    const stranger = await storeIn('stranger');
    expect(await stranger.lookup('fine-tune', 'run-1', z.object({ modelDir: z.string() }).loose())).toBeUndefined(); // no record of its own
    await stranger.record('fine-tune', 'run-2', { modelDir: 'artifact:work/train/run-2/best' });
    expect(await stranger.lookup('fine-tune', 'run-2', z.object({ modelDir: z.string() }))).toBeUndefined(); // never published
  });

  it('wrong credentials and bad settings fail with errors that name the problem, never the secret', async () => {
    const store = await storeIn('wrong', { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    const failure = await store.put('x', 'txt').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(S3RequestError);
    expect(String(failure)).toMatch(/HTTP 403/);
    expect(String(failure)).not.toContain('not-the-secret');
    expect(() => artifactStoreFromEnvironment(join(scratch, 'x'), { SYNTHLAB_ARTIFACTS: `s3://${BUCKET}` })).toThrow(/set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(() => artifactLocationOf({ SYNTHLAB_ARTIFACTS: 's3://Bad_Bucket/x' })).toThrow(/"Bad_Bucket" is not an S3 bucket name/);
    expect(() => artifactLocationOf({ SYNTHLAB_ARTIFACTS: 'relative/folder' })).toThrow(/must be an absolute path/);
    expect(() => artifactLocationOf({ SYNTHLAB_ARTIFACTS: 'gs://bucket' })).toThrow(/only s3:\/\/ URLs or absolute folder paths/);
    expect(() => artifactLocationOf({ SYNTHLAB_ARTIFACTS: 's3://bucket', SYNTHLAB_S3_ENDPOINT: 'http://host:1/path' })).toThrow(/without a path/);
    expect(artifactLocationOf({})).toEqual({ kind: 'state-folder' });
    expect(artifactLocationOf({ SYNTHLAB_ARTIFACTS: '/mnt/shared' })).toEqual({ kind: 'folder', root: '/mnt/shared' });
  });
});
