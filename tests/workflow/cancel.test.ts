/**
 * Cancelling a sweep reaches the running fine-tune activity, and the training subprocess stops.
 * While it runs, `sweep show` lists that activity with its heartbeated progress.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runningActivityLines } from '../../src/cli/sweep-manage';
import { TASK_QUEUES } from '../../src/shared/constants';
import { sweepWorkflow } from '../../src/workflows/sweep';
import { trainerPids, waitFor } from '../helpers/processes';
import { createScriptedModel } from '../helpers/scripted-model';
import { buildTinyModel, startInProcessWorkers, welshLines, sweepInput, testSweepConfig, type InProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let workers: InProcessWorkers;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-cancel-');
  workers = await startInProcessWorkers(temporal, createScriptedModel(welshLines));
});

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
});

it('cancels a sweep down to its training subprocess', async () => {
  const tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  const config = testSweepConfig({
    tinyModel,
    name: 'cancel',
    strategies: ['TargetDemos'],
    seeds: [1],
    goldBaseline: true,
    concurrency: { dataProducts: 1, cells: 1 },
    // Long enough to be cancelled mid-training.
    training: { model: tinyModel, lr: 0.001, batchSize: 8, maxLength: 64, maxEpochs: 500, patience: 500, devPerLabel: 2, threads: 1, heartbeatTimeoutSeconds: 20 },
  });
  const input = sweepInput(config);
  const handle = await temporal.client.workflow.start(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });

  const trainRoot = join(temporal.stateDir, 'artifacts', 'work', 'train');
  const runDir = await waitFor(
    () => {
      if (!existsSync(trainRoot)) return undefined;
      const run = readdirSync(trainRoot)[0];
      return run && existsSync(join(trainRoot, run, 'checkpoints', 'epoch-1')) ? join(trainRoot, run) : undefined;
    },
    240_000,
    'the first epoch checkpoint',
  );
  expect(trainerPids(runDir).length).toBeGreaterThan(0);

  // `sweep show <cell>` lists the running activity with the progress it heartbeated.
  const shown = await waitFor(
    async () => {
      for await (const cell of temporal.client.workflow.list({ query: `WorkflowType = 'cellWorkflow' AND ExecutionStatus = 'Running'` })) {
        const lines = runningActivityLines(await temporal.client.workflow.getHandle(cell.workflowId).describe());
        if (lines.some((line) => line.includes('"phase":"train"'))) return lines;
      }
      return undefined;
    },
    30_000,
    'the running cell to show its training progress',
  );
  expect(shown).toHaveLength(1);
  expect(shown[0]).toMatch(/^ {2}running: fineTuneAndEvaluate \(attempt 1\) \{"runKey":"[0-9a-f]+","phase":"train","epoch":\d+/);

  await handle.cancel();
  const error = await handle.result().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  await waitFor(() => (trainerPids(runDir).length === 0 ? true : undefined), 30_000, 'the training subprocess to stop');
  expect(existsSync(join(runDir, 'train_result.json'))).toBe(false);
}, 400_000);
