import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ArtifactIntegrityError, ArtifactStore } from '../../src/artifacts/store';

describe('artifact store', () => {
  it('addresses content by sha256 and stores equal content once', async () => {
    const store = new ArtifactStore(await mkdtemp(join(tmpdir(), 'store-')));
    const first = await store.putJsonl([{ a: 1 }, { a: 2 }]);
    const second = await store.putJsonl([{ a: 1 }, { a: 2 }]);
    expect(second).toEqual(first);
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.readJsonl(first, z.object({ a: z.number() }))).toEqual([{ a: 1 }, { a: 2 }]);
    const blobs = await readdir(join(store.root, 'blobs', first.sha256.slice(0, 2)));
    expect(blobs).toEqual([`${first.sha256}.jsonl`]);
  });

  it('refuses an artifact whose bytes no longer match its hash', async () => {
    const store = new ArtifactStore(await mkdtemp(join(tmpdir(), 'store-')));
    const ref = await store.putJson({ ok: true });
    await writeFile(store.pathOf(ref), '{"ok": false}');
    await expect(store.read(ref)).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });

  it('records and finds outputs by input key', async () => {
    const store = new ArtifactStore(await mkdtemp(join(tmpdir(), 'store-')));
    const schema = z.object({ n: z.number() });
    expect(await store.lookup('stage', 'key-1', schema)).toBeUndefined();
    await store.record('stage', 'key-1', { n: 3 });
    expect(await store.lookup('stage', 'key-1', schema)).toEqual({ n: 3 });
  });
});

describe('lookup finds a record only while everything it points at is present', () => {
  const outputSchema = z.object({
    samples: z.array(z.object({ uri: z.string(), sha256: z.string(), bytes: z.number() })),
    nested: z.object({ metrics: z.object({ uri: z.string(), sha256: z.string(), bytes: z.number() }) }),
    modelDir: z.string(),
    count: z.number(),
  });

  async function recordedOutput() {
    const store = new ArtifactStore(await mkdtemp(join(tmpdir(), 'store-')));
    const modelDir = join(store.root, 'work', 'train', 'run', 'best');
    await mkdir(modelDir, { recursive: true });
    const output = {
      samples: [await store.putJsonl([{ text: 'a' }]), await store.putJsonl([{ text: 'b' }])],
      nested: { metrics: await store.putJson({ macro_f1: 0.5 }) },
      modelDir,
      count: 2,
    };
    await store.record('stage', 'key', output);
    return { store, output };
  }

  it('hits when every blob and directory is there', async () => {
    const { store, output } = await recordedOutput();
    expect(await store.lookup('stage', 'key', outputSchema)).toEqual(output);
  });

  it('misses when a blob (also one inside an array) was deleted', async () => {
    const { store, output } = await recordedOutput();
    await rm(store.pathOf(output.samples[1]!));
    expect(await store.lookup('stage', 'key', outputSchema)).toBeUndefined();
  });

  it('misses when a nested blob has another size than recorded (cheap check, no re-hash)', async () => {
    const { store, output } = await recordedOutput();
    await writeFile(store.pathOf(output.nested.metrics), '{}');
    expect(await store.lookup('stage', 'key', outputSchema)).toBeUndefined();
  });

  it('misses when the model directory is gone, or is a file', async () => {
    const { store, output } = await recordedOutput();
    await rm(output.modelDir, { recursive: true });
    expect(await store.lookup('stage', 'key', outputSchema)).toBeUndefined();
    await writeFile(output.modelDir, 'not a directory');
    expect(await store.lookup('stage', 'key', outputSchema)).toBeUndefined();
  });

  it('a stage recomputes a deleted blob: the second call does the work again and restores it', async () => {
    const store = new ArtifactStore(await mkdtemp(join(tmpdir(), 'store-')));
    const schema = z.object({ result: z.object({ uri: z.string(), sha256: z.string(), bytes: z.number() }) });
    let computations = 0;
    // The pattern every cached activity follows: look up by input key, else compute, store, record.
    const stage = async (input: string) => {
      const cached = await store.lookup('upper', input, schema);
      if (cached) return cached;
      computations += 1;
      const output = { result: await store.put(input.toUpperCase(), 'txt') };
      await store.record('upper', input, output);
      return output;
    };
    const first = await stage('abc');
    expect(await stage('abc')).toEqual(first);
    expect(computations).toBe(1);
    await rm(store.pathOf(first.result));
    expect(await stage('abc')).toEqual(first);
    expect(computations).toBe(2);
    expect((await store.read(first.result)).toString()).toBe('ABC');
  });
});
