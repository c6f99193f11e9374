import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createModelSource } from '../../src/activities/deps';
import { createKeepSamplesActivity } from '../../src/activities/keep-samples';
import { ArtifactStore } from '../../src/artifacts/store';
import { parseDatasetSpec } from '../../src/data/dataset-spec';
import { TOY_DATASET } from '../helpers/toy-dataset';

const scratch = mkdtempSync(join(tmpdir(), 'synthlab-keep-near-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
writeFileSync(join(scratch, 'en-test.csv'), 'id,text,label\n1,the quiet harbour town woke up slowly under a grey sky,pos\n');
const dataset = parseDatasetSpec({ name: 'toy', ...TOY_DATASET });
const store = new ArtifactStore(join(scratch, 'artifacts'));
const keepSamples = createKeepSamplesActivity({ store, models: createModelSource() });

const samples = [
  { id: 'pos-0', label: 'pos', text: 'A warm and generous film about two brothers who open a bakery' },
  { id: 'pos-1', label: 'pos', text: 'A warm and generous film about two brothers who open a bakeries' },
  { id: 'pos-2', label: 'pos', text: 'The quiet harbour town woke up slowly under a grey skies' },
  { id: 'neg-0', label: 'neg', text: 'Every scene drags on long after its single joke has died' },
];
const removedSchema = z.looseObject({ id: z.string(), reason: z.string(), duplicateOf: z.string().optional(), similarity: z.number().optional() });

async function keep(nearDuplicates?: { threshold: number }) {
  const input = {
    dataRoot: scratch,
    dataset,
    language: 'en',
    samples: await store.putJsonl(samples),
    demos: await store.putJson({ pos: [], neg: [] }),
    quotaPerLabel: 10,
    ...(nearDuplicates ? { nearDuplicates } : {}),
  };
  const output = await keepSamples(input);
  return { output, removed: await store.readJsonl(output.ledger.removed, removedSchema) };
}

describe('keepSamples with near-duplicates', () => {
  it('keeps near-duplicates when the option is absent, as before', async () => {
    const { output, removed } = await keep();
    expect(output.keptByLabel).toEqual({ pos: 3, neg: 1 });
    expect(removed).toEqual([]);
  });

  it('removes near-duplicates of kept samples and of test rows when a threshold is given, with the similarity', async () => {
    const { output, removed } = await keep({ threshold: 0.8 });
    expect(output.keptByLabel).toEqual({ pos: 1, neg: 1 });
    expect(removed.map((row) => [row.id, row.reason, row.duplicateOf])).toEqual([
      ['pos-1', 'near_duplicate_within_label', 'pos-0'],
      ['pos-2', 'near_matches_test', undefined],
    ]);
    for (const row of removed) expect(row.similarity).toBeGreaterThanOrEqual(0.8);
  });
});
