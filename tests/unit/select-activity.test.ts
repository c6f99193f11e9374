import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createModelSource } from '../../src/activities/deps';
import { createSelectActivity } from '../../src/activities/select';
import { ArtifactStore } from '../../src/artifacts/store';
import { getDatasetSpec } from '../../src/data/registry';
import { DataError } from '../../src/data/readers';
import { dataRoot } from '../helpers/stack';

it('fails selection with a DataError when the data product kept nothing, instead of handing the trainer an empty file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'synthlab-select-'));
  try {
    const store = new ArtifactStore(root);
    const select = createSelectActivity({ store, models: createModelSource() });
    const empty = await store.putJsonl([]);
    const run = select({ dataRoot, dataset: getDatasetSpec('sib200'), language: 'cy', source: empty, perLabel: 2, devPerLabel: 2, seed: 1 });
    await expect(run).rejects.toBeInstanceOf(DataError);
    await expect(run).rejects.toThrow(/sib200\/cy kept no samples/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
