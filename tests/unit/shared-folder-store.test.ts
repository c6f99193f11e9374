/**
 * The artifact store on a shared folder (SYNTHLAB_ARTIFACTS=/abs/path): two stores with their own
 * state folders share blobs and a published model through it, by keys that name no path; the
 * default keeps blobs and models in the state folder, where they were before.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { artifactStoreFromEnvironment } from '../../src/artifacts/location';

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'synthlab-shared-store-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function trainedRun(stateArtifacts: string): Promise<string> {
  const runDir = join(stateArtifacts, 'work', 'train', 'run-7');
  await mkdir(join(runDir, 'best'), { recursive: true });
  await writeFile(join(runDir, 'best', 'config.json'), '{"labels": ["a", "b"]}');
  await mkdir(join(runDir, 'epochs', 'epoch-1'), { recursive: true });
  await writeFile(join(runDir, 'epochs', 'epoch-1', 'trained.safetensors'), 'epoch one');
  return join(runDir, 'best');
}

describe('artifact store on a shared folder', () => {
  it('shares blobs and a published model between two state folders, by store-relative keys', async () => {
    const env = { SYNTHLAB_ARTIFACTS: join(scratch, 'shared') };
    const trainer = artifactStoreFromEnvironment(join(scratch, 'a', 'artifacts'), env);
    const reader = artifactStoreFromEnvironment(join(scratch, 'b', 'artifacts'), env);
    const ref = await trainer.putJson({ macro_f1: 0.4 });
    expect(ref.uri).toBe(`artifact:blobs/${ref.sha256.slice(0, 2)}/${ref.sha256}.json`);
    expect(await reader.readJson(ref, z.object({ macro_f1: z.number() }))).toEqual({ macro_f1: 0.4 });
    expect(reader.pathOf(ref)).toBe(join(scratch, 'shared', 'blobs', ref.sha256.slice(0, 2), `${ref.sha256}.json`));

    const modelDir = await trainer.publishModel(await trainedRun(trainer.root));
    expect(modelDir).toBe('artifact:work/train/run-7/best');
    const local = await reader.localModelDir(modelDir);
    expect(local).toBe(join(scratch, 'shared', 'work', 'train', 'run-7', 'best'));
    expect(await readFile(join(local, 'config.json'), 'utf8')).toBe('{"labels": ["a", "b"]}');
    expect(await readFile(join(local, '..', 'epochs', 'epoch-1', 'trained.safetensors'), 'utf8')).toBe('epoch one');
    expect(await reader.hasModelDir(modelDir)).toBe(true);
    expect(await reader.hasModelDir('artifact:work/train/other/best')).toBe(false);
  });

  it('by default a model is published where it was trained, in the state folder, and old absolute paths still resolve', async () => {
    const store = artifactStoreFromEnvironment(join(scratch, 'c', 'artifacts'), {});
    const best = await trainedRun(store.root);
    const modelDir = await store.publishModel(best);
    expect(modelDir).toBe('artifact:work/train/run-7/best');
    expect(await store.localModelDir(modelDir)).toBe(best);
    expect(await store.localModelDir(best)).toBe(best);
    expect(await store.hasModelDir(best)).toBe(true);
    await expect(store.publishModel(join(scratch, 'elsewhere'))).rejects.toThrow();
    const ref = await store.put('x', 'txt');
    expect(store.pathOf(ref)).toBe(join(store.root, 'blobs', ref.sha256.slice(0, 2), `${ref.sha256}.txt`));
    // A ref recorded before keys (file:///abs/path) still reads.
    expect((await store.read({ ...ref, uri: `file://${store.pathOf(ref)}` })).toString()).toBe('x');
    expect(() => store.pathOf({ ...ref, uri: 'artifact:../escape' })).toThrow(/does not name a key inside the store/);
  });
});
