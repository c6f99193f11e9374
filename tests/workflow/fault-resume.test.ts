/**
 * Fault test with real processes: the worker is killed with SIGKILL while the real trainer is
 * mid-training, a new worker is started, and the cell must complete with training resumed from
 * the last epoch checkpoint — not restarted from scratch, and with no orphaned trainer left.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ArtifactStore } from '../../src/artifacts/store';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import { getDatasetSpec } from '../../src/data/registry';
import { TASK_QUEUES } from '../../src/shared/constants';
import { cellWorkflow } from '../../src/workflows/cell';
import { buildTinyModel, dataRoot, goldCell, testSweepConfig } from '../helpers/stack';
import { trainerPids, waitFor } from '../helpers/processes';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { startWorkerProcess } from '../helpers/encrypted-sweep';

let temporal: TestTemporal;
const workerProcesses: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = startWorkerProcess(temporal, {});
  workerProcesses.push(child);
  return child;
}

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-fault-');
});

afterAll(async () => {
  for (const child of workerProcesses) if (child.exitCode === null) child.kill('SIGKILL');
  await temporal?.stop();
});

it('resumes training from the last checkpoint after the worker is killed with SIGKILL', async () => {
  const tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  const config = testSweepConfig({
    tinyModel,
    name: 'fault',
    training: { model: tinyModel, lr: 0.001, batchSize: 8, maxLength: 64, maxEpochs: 25, patience: 25, devPerLabel: 3, threads: 1, heartbeatTimeoutSeconds: 10 },
  });
  const cell = goldCell('sib200', 'cy', { seed: 1, perLabel: 10, training: config.training });
  const firstWorker = startWorker();
  const handle = await temporal.client.workflow.start(cellWorkflow, {
    workflowId: 'fault/cell',
    taskQueue: TASK_QUEUES.cpu,
    args: [{ sweepId: 'sweep/fault', dataRoot, cell, dataset: getDatasetSpec('sib200'), source: undefined }],
  });

  const trainRoot = join(temporal.stateDir, 'artifacts', 'work', 'train');
  const runDir = await waitFor(
    () => {
      if (!existsSync(trainRoot)) return undefined;
      const run = readdirSync(trainRoot)[0];
      if (!run) return undefined;
      const checkpoints = join(trainRoot, run, 'checkpoints');
      return existsSync(join(checkpoints, 'epoch-2')) ? join(trainRoot, run) : undefined;
    },
    240_000,
    'the second epoch checkpoint',
  );
  expect(trainerPids(runDir).length).toBeGreaterThan(0);
  firstWorker.kill('SIGKILL');
  // The trainer notices that its worker is gone and stops instead of training on as an orphan.
  await waitFor(() => (trainerPids(runDir).length === 0 ? true : undefined), 15_000, 'the orphaned trainer to exit');
  const checkpointsAtKill = readdirSync(join(runDir, 'checkpoints'))
    .map((name) => /^epoch-(\d+)$/.exec(name)?.[1])
    .filter((epoch): epoch is string => epoch !== undefined)
    .map(Number);
  const lastEpochAtKill = Math.max(...checkpointsAtKill);
  expect(lastEpochAtKill).toBeGreaterThanOrEqual(2);
  expect(lastEpochAtKill).toBeLessThan(25);

  startWorker();
  const outcome = await handle.result();
  expect(outcome.key).toBe(cell.key);
  // The full result is in the sweep records, written once by the cell's last activity.
  const record = (await sweepRecordsOf(new ArtifactStore(join(temporal.stateDir, 'artifacts'))).readCells('sweep/fault')).get(cell.key);
  expect(record).toBeDefined();
  const result = record!.result;
  // Evidence for the closing note.
  console.log(`fault test: worker killed after epoch ${lastEpochAtKill}; training resumed from epoch ${result.resumedFromEpoch}`);
  expect(result.resumedFromEpoch).toBe(lastEpochAtKill);
  const trainResult = JSON.parse(readFileSync(join(runDir, 'train_result.json'), 'utf8')) as { epochs_run: number; epochs_run_this_call: number };
  expect(trainResult.epochs_run).toBe(25);
  expect(trainResult.epochs_run_this_call).toBe(25 - lastEpochAtKill);
  expect(result.macroF1).toBeGreaterThanOrEqual(0);
}, 600_000);
