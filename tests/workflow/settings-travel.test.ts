/**
 * Every trainer setting declared in the zod schema reaches the real ML CLI unchanged: a cell with a
 * non-default value for each setting runs through a real worker on a real Temporal server, and the
 * trainer's result echoes what Python received and validated. A setting declared on one side only
 * fails this test (Python rejects an unknown key or a missing one), and so does a new setting that
 * is not given a non-default value here.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import { trainerSettingsSchema, type TrainerSettings } from '../../src/config/schema';
import { getDatasetSpec } from '../../src/data/registry';
import { TASK_QUEUES } from '../../src/shared/constants';
import { cellWorkflow } from '../../src/workflows/cell';
import { buildTinyModel, dataRoot, goldCell, type InProcessWorkers, startInProcessWorkers, testSweepConfig } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let workers: InProcessWorkers;

/** One value per setting, each different from its default but those in KEPT_AT_DEFAULT. */
const NON_DEFAULT: TrainerSettings = {
  lr: 0.002,
  batchSize: 8,
  maxLength: 40,
  maxEpochs: 2,
  patience: 3,
  warmupRatio: 0.2,
  weightDecay: 0.02,
  classifierDropout: 0.2,
  maxGradNorm: 2,
  metricForBest: 'accuracy',
  keepCheckpoints: 3,
  keepCheckpointsWhenDone: true,
  softLabelTemperature: 2,
  // Both phases of warmup, on a gold cell whose rows are all one part: it trains as mix.
  regime: 'warmup',
  gradientAccumulation: 2,
  keepEpochCheckpoints: true,
  predictBatchSize: 32,
  device: 'cpu',
  // The fine-tune (the default method) with the classic recipe instead of the few-shot defaults.
  method: 'fine-tune',
  pooling: 'cls',
  headLr: 0.01,
  headInit: 'random',
  minSteps: 10,
  freezeEmbeddings: false,
  probeC: 2,
  checkpointEverySteps: 7,
  checkpointEveryMinutes: 30,
};
/**
 * Kept at its default: the other `method` (linear-probe) would leave most of the settings above unused.
 * It still travels and is checked below.
 */
const KEPT_AT_DEFAULT = new Set(['method']);

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-settings-');
  workers = await startInProcessWorkers(temporal, undefined);
}, 400_000);

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
}, 400_000);

it('sends every trainer setting, each with a non-default value, through the worker into the ML CLI', async () => {
  const defaults = trainerSettingsSchema.parse({});
  expect(Object.keys(NON_DEFAULT).sort()).toEqual(Object.keys(trainerSettingsSchema.shape).sort());
  for (const [name, value] of Object.entries(NON_DEFAULT)) {
    if (!KEPT_AT_DEFAULT.has(name)) expect(value, name).not.toEqual(defaults[name as keyof TrainerSettings]);
  }

  const tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  const config = testSweepConfig({
    tinyModel,
    name: 'settings',
    training: { ...NON_DEFAULT, model: tinyModel, devPerLabel: 2, threads: 1, heartbeatTimeoutSeconds: 30 },
  });
  const cell = goldCell('sib200', 'cy', { seed: 1, perLabel: 3, training: config.training });
  await temporal.client.workflow.execute(cellWorkflow, {
    workflowId: 'settings/cell',
    taskQueue: TASK_QUEUES.cpu,
    args: [{ sweepId: 'sweep/settings', dataRoot, cell, dataset: getDatasetSpec('sib200'), source: undefined }],
  });

  const record = (await sweepRecordsOf(workers.store).readCells('sweep/settings')).get(cell.key);
  expect(record?.result.trainings).toBe(1);
  // The trainer's result file sits beside its best checkpoint.
  const trainResult = JSON.parse(await readFile(join(dirname(await workers.store.localModelDir(record!.result.modelDir)), 'train_result.json'), 'utf8')) as { settings: unknown; epochs_run: number; epoch_checkpoints: { epoch: number }[] };
  expect(trainResult.settings).toEqual(NON_DEFAULT);
  expect(trainResult.epochs_run).toBe(NON_DEFAULT.maxEpochs);
  expect(trainResult.epoch_checkpoints.map((checkpoint) => checkpoint.epoch)).toEqual([1, 2]); // keepEpochCheckpoints
}, 400_000);
