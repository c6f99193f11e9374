import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ArtifactIntegrityError, ArtifactStore, pathOfRef } from '../../src/artifacts/store';

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
    await writeFile(pathOfRef(ref), '{"ok": false}');
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
