/**
 * A stage whose recorded output lost an artifact does its work again instead of handing on a
 * reference to a file that is gone. Real dev server, real workers and activities, a scripted LLM:
 * a data product runs, runs again (all reused), then its generation blob is deleted and it runs a
 * third time.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateOutputSchema } from '../../src/activities/contracts';
import { planSweep } from '../../src/config/plan';
import { getDatasetSpec } from '../../src/data/registry';
import { createScriptedModel, type ScriptedModel } from '../helpers/scripted-model';
import { TASK_QUEUES } from '../../src/shared/constants';
import { dataProductWorkflow, type DataProductInput } from '../../src/workflows/data-product';
import { dataRoot, startInProcessWorkers, testSweepConfig, welshLines, type InProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let workers: InProcessWorkers;
let model: ScriptedModel;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-stale-');
  model = createScriptedModel(welshLines);
  workers = await startInProcessWorkers(temporal, model);
});

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
});

it('regenerates a generation whose recorded blob was deleted', async () => {
  // Data products never train, so the training model is never read.
  const config = testSweepConfig({ tinyModel: join(temporal.stateDir, 'no-model'), name: 'stale', strategies: ['TargetDemos'], seeds: [1] });
  const [product] = planSweep(config).dataProducts;
  if (product === undefined) throw new Error('the test sweep planned no data product');
  const input: DataProductInput = { sweepId: 'sweep/stale', dataRoot, dataset: getDatasetSpec('sib200'), product };
  let run = 0;
  const runProduct = () => {
    run += 1;
    return temporal.client.workflow.execute(dataProductWorkflow, { workflowId: `stale-product-${run}`, taskQueue: TASK_QUEUES.cpu, args: [input] });
  };

  const first = await runProduct();
  expect(first.llmCalls).toBeGreaterThan(0);
  expect(model.requests).toHaveLength(first.llmCalls);
  expect((await runProduct()).llmCalls).toBe(0);

  const recordDir = join(workers.store.root, 'index', 'generate');
  const [recordFile, ...others] = await readdir(recordDir);
  expect(others).toEqual([]);
  const generated = generateOutputSchema.parse(JSON.parse(await readFile(join(recordDir, recordFile!), 'utf8')));
  const candidatesBlob = workers.store.pathOf(generated.candidates);
  await rm(candidatesBlob);

  // The record is stale now: generation runs again (from its saved progress, so without new LLM
  // calls) and writes the same candidates back; before, dedupe failed on the missing file.
  const third = await runProduct();
  expect(existsSync(candidatesBlob)).toBe(true);
  expect((await workers.store.read(generated.candidates)).byteLength).toBe(generated.candidates.bytes);
  expect(third.dataset).toEqual(first.dataset);
  expect(model.requests).toHaveLength(first.llmCalls);

  // With its progress gone too, generation asks the LLM again.
  await rm(candidatesBlob);
  await rm(workers.store.workDir('generate', recordFile!.replace(/\.json$/, '')), { recursive: true });
  const fourth = await runProduct();
  expect(fourth.llmCalls).toBe(first.llmCalls);
  expect(model.requests).toHaveLength(2 * first.llmCalls);
}, 180_000);
