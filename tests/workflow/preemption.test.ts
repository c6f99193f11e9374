/**
 * Preemption with real processes: a real dev server, real worker processes (`synthlab worker`) and
 * the real trainer on a tiny model.
 * - SIGTERM to the worker mid-epoch (what Slurm and Kubernetes send before SIGKILL), twice: the
 *   worker stops taking tasks and exits, its trainer checkpoints the step it reached, and a new
 *   worker resumes training at that very step.
 * - SIGKILL to the worker more times than the GPU activity's old attempt limit (4): the cell still
 *   completes, because every attempt wrote a new checkpoint before it was killed.
 * - SIGKILL before any checkpoint, as many times as `maxAttemptsWithoutProgress`: the cell fails
 *   for good with a message that says so.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { TrainingSettings } from '../../src/config/schema';
import { getDatasetSpec } from '../../src/data/registry';
import { TASK_QUEUES } from '../../src/shared/constants';
import { cellWorkflow } from '../../src/workflows/cell';
import { trainerPids, waitFor } from '../helpers/processes';
import { buildTinyModel, dataRoot, goldCell, testSweepConfig } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { startWorkerProcess } from '../helpers/encrypted-sweep';

let temporal: TestTemporal;
let tinyModel: string;
const workerProcesses: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = startWorkerProcess(temporal, {});
  workerProcesses.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
}

interface CheckpointState {
  name: string;
  epoch: number;
  globalStep: number;
  epochStep: number;
}

/** The complete checkpoints of a run (those whose state file is written), oldest first. */
function checkpoints(runDir: string): CheckpointState[] {
  const root = join(runDir, 'checkpoints');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^(epoch|step)-\d+$/.test(name) && existsSync(join(root, name, 'trainer_state.json')))
    .map((name) => {
      const state = JSON.parse(readFileSync(join(root, name, 'trainer_state.json'), 'utf8')) as { epoch: number; global_step: number; epoch_step?: number };
      return { name, epoch: state.epoch, globalStep: state.global_step, epochStep: state.epoch_step ?? 0 };
    })
    .sort((left, right) => left.globalStep - right.globalStep || left.epoch - right.epoch);
}

const newestStep = (runDir: string): number => checkpoints(runDir).at(-1)?.globalStep ?? -1;

/** The training folder of the cell with `seed` (one folder per run key; the test knows which are older). */
async function runDirOf(known: Set<string>): Promise<string> {
  const trainRoot = join(temporal.stateDir, 'artifacts', 'work', 'train');
  const name = await waitFor(() => (existsSync(trainRoot) ? readdirSync(trainRoot).find((entry) => !known.has(entry)) : undefined), 240_000, 'the training folder');
  known.add(name);
  return join(trainRoot, name);
}

// 70 training rows in batches of 4 are 18 steps a pass; minSteps makes each epoch 12 passes (216 steps).
const STEPS_PER_EPOCH = 216;

function training(overrides: Partial<TrainingSettings>): TrainingSettings {
  return testSweepConfig({
    tinyModel,
    training: { model: tinyModel, lr: 0.001, batchSize: 4, maxLength: 32, maxEpochs: 3, patience: 3, minSteps: 600, devPerLabel: 3, threads: 1, heartbeatTimeoutSeconds: 10, ...overrides },
  }).training;
}

function startCell(workflowId: string, seed: number, settings: TrainingSettings) {
  const cell = goldCell('sib200', 'cy', { seed, perLabel: 10, training: settings });
  return temporal.client.workflow.start(cellWorkflow, {
    workflowId,
    taskQueue: TASK_QUEUES.cpu,
    args: [{ sweepId: 'sweep/preemption', dataRoot, cell, dataset: getDatasetSpec('sib200'), source: undefined }],
  });
}

const knownRuns = new Set<string>();

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-preemption-');
  tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
}, 240_000);

// Each test runs its own workers: a worker left over from the previous test would take its tasks.
afterEach(async () => {
  const running = workerProcesses.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.map(exited));
});

afterAll(async () => {
  for (const child of workerProcesses) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await temporal?.stop();
});

it('resumes at the step reached when the worker gets SIGTERM mid-epoch', async () => {
  const worker = startWorker();
  const handle = await startCell('preemption/sigterm', 1, training({}));
  const runDir = await runDirOf(knownRuns);
  // Mid-epoch: after the first epoch's checkpoint, some steps into a later epoch (on a quiet machine
  // the tiny model passes an epoch in about a second, so the notice may land in epoch 2 or 3).
  await waitFor(() => (checkpoints(runDir).some((checkpoint) => checkpoint.name === 'epoch-1') ? true : undefined), 240_000, 'the first epoch checkpoint');
  await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
  expect(trainerPids(runDir).length).toBeGreaterThan(0);
  const noticeAt = Date.now();
  worker.kill('SIGTERM');
  // Slurm signals every process of a preempted job, and infra/slurm/gpu-worker.sbatch passes its own notice on: a second SIGTERM must not kill the worker.
  await new Promise((resolveWait) => setTimeout(resolveWait, 500));
  worker.kill('SIGTERM');
  // The worker shuts down by itself, well inside a cluster's grace period, and leaves no trainer behind.
  expect(await exited(worker)).toEqual({ code: 0, signal: null });
  const shutdownSeconds = (Date.now() - noticeAt) / 1000;
  expect(shutdownSeconds).toBeLessThan(30);
  expect(trainerPids(runDir)).toEqual([]);
  const preempted = checkpoints(runDir).at(-1);
  expect(preempted?.name).toMatch(/^step-\d+$/);
  expect([1, 2]).toContain(preempted!.epoch);
  expect(preempted!.epochStep).toBeGreaterThan(0);
  expect(preempted!.epochStep).toBeLessThan(STEPS_PER_EPOCH);

  startWorker();
  const outcome = await handle.result();
  expect(outcome.macroF1).toBeGreaterThanOrEqual(0);
  const trainResult = JSON.parse(readFileSync(join(runDir, 'train_result.json'), 'utf8')) as { resumed_from_step: number; resumed_from_epoch: number; epochs_run: number };
  expect(trainResult.resumed_from_step).toBe(preempted!.globalStep);
  expect(trainResult.resumed_from_epoch).toBe(preempted!.epoch);
  expect(trainResult.epochs_run).toBe(3);
  console.log(
    `preemption test: SIGTERM to the worker at global step ${preempted!.globalStep} (epoch ${preempted!.epoch + 1}, step ${preempted!.epochStep} of ${STEPS_PER_EPOCH}); ` +
      `worker exited in ${shutdownSeconds.toFixed(1)} s; the next worker resumed at step ${trainResult.resumed_from_step}`,
  );
}, 600_000);

it('completes a cell whose worker is SIGKILLed more often than the old attempt limit, since each attempt checkpointed', async () => {
  const kills = 5;
  const handle = await startCell('preemption/sigkill', 2, training({ checkpointEverySteps: 25 }));
  let runDir: string | undefined;
  const marks: number[] = [];
  for (let kill = 1; kill <= kills; kill += 1) {
    const worker = startWorker();
    runDir ??= await runDirOf(knownRuns);
    const before = newestStep(runDir);
    const dir = runDir;
    // Progress in this attempt: a checkpoint newer than any before it.
    await waitFor(() => (newestStep(dir) > before ? true : undefined), 300_000, `a new checkpoint in attempt ${kill}`);
    marks.push(newestStep(dir));
    worker.kill('SIGKILL');
    await exited(worker);
    // A trainer orphaned while Python still starts stops once its watchdog runs: slow on a loaded machine.
    await waitFor(() => (trainerPids(dir).length === 0 ? true : undefined), 90_000, 'the orphaned trainer to exit');
  }
  expect(existsSync(join(runDir!, 'train_result.json'))).toBe(false);
  startWorker();
  const outcome = await handle.result();
  expect(outcome.trainings).toBe(1);
  const trainResult = JSON.parse(readFileSync(join(runDir!, 'train_result.json'), 'utf8')) as { resumed_from_step: number; epochs_run: number };
  expect(trainResult.epochs_run).toBe(3);
  // The trainer may have written one more checkpoint between the look and the kill.
  expect(trainResult.resumed_from_step).toBeGreaterThanOrEqual(marks.at(-1)!);
  console.log(`preemption test: worker SIGKILLed ${kills} times (newest checkpoint at each kill: steps ${marks.join(', ')}); the cell completed`);
  // 841 s measured at a load average of 14 on 2 cores: six worker starts, five heartbeat timeouts and three epochs.
}, 1_800_000);

it('fails a cell, saying why, once its attempts end without a new checkpoint too many times in a row', async () => {
  const handle = await startCell('preemption/no-progress', 3, training({ maxAttemptsWithoutProgress: 2 }));
  let runDir: string | undefined;
  for (let kill = 1; kill <= 2; kill += 1) {
    const worker = startWorker();
    runDir ??= await runDirOf(knownRuns);
    const dir = runDir;
    // Killed as soon as its trainer runs: long before the first checkpoint.
    await waitFor(() => (trainerPids(dir).length > 0 ? true : undefined), 300_000, `the trainer of attempt ${kill}`);
    worker.kill('SIGKILL');
    await exited(worker);
    // A trainer orphaned while Python still starts stops once its watchdog runs: slow on a loaded machine.
    await waitFor(() => (trainerPids(dir).length === 0 ? true : undefined), 90_000, 'the orphaned trainer to exit');
  }
  expect(newestStep(runDir!)).toBe(-1);
  startWorker();
  const error = await handle.result().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const activityFailure = (error as WorkflowFailedError).cause;
  expect(activityFailure).toBeInstanceOf(ActivityFailure);
  const cause = (activityFailure as ActivityFailure).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe('NoTrainingProgress');
  expect((cause as ApplicationFailure).message).toMatch(/^training made no progress in 2 attempts in a row \(no new checkpoint since the start\)/);
  console.log(`preemption test: no-progress failure: ${(cause as ApplicationFailure).message}`);
}, 600_000);
