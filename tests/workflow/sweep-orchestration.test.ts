/**
 * The sweep's orchestration against a real dev server, with activities that do no LLM or training
 * work (bench/noop-activities.ts, the same names as the real ones) so that dozens of cells run in
 * seconds: the window bound, continue-as-new carrying its state, resume re-running only failed
 * cells, and one record per cell.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoopActivities, injectedFailure } from '../../bench/noop-activities';
import { createModelSource } from '../../src/activities/deps';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import { ArtifactStore } from '../../src/artifacts/store';
import { DRAIN_PER_CHILD, TASK_QUEUES } from '../../src/shared/constants';
import { cellWorkflowId } from '../../src/shared/workflow-ids';
import { createWorkers, runWorkers, workflowBundle } from '../../src/workers/create-workers';
import { sweepWorkflow, type SweepProgress } from '../../src/workflows/sweep';
import { rollOverThreshold } from '../../src/workflows/history-budget';
import { limitCrossing, type LimitCrossing } from '../helpers/history-limits';
import { recordedResults, sweepInput, testSweepConfig } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let workers: Worker[];
let running: Promise<unknown>;
let store: ArtifactStore;

/**
 * What the probe saw: cells in flight (first activity started, record not yet written), the same
 * for data products, calls per activity, and the seeds trained.
 */
const seen = { cellsNow: 0, cellsMax: 0, productsNow: 0, productsMax: 0, calls: new Map<string, number>(), fineTunedSeeds: [] as number[] };
let failSeed: number | undefined;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-orchestration-');
  store = new ArtifactStore(join(temporal.stateDir, 'artifacts'));
  const activities = createNoopActivities(
    { store },
    {
      delayMs: 20,
      delayMsFor: { fineTuneAndEvaluate: 200, generateSamples: 200 },
      onStart(name, input) {
        seen.calls.set(name, (seen.calls.get(name) ?? 0) + 1);
        if (name === 'generateSamples') seen.productsMax = Math.max(seen.productsMax, ++seen.productsNow);
        if (name === 'selectTrainingSet') seen.cellsMax = Math.max(seen.cellsMax, ++seen.cellsNow);
        if (name === 'fineTuneAndEvaluate') {
          seen.fineTunedSeeds.push(Number(input.seed));
          if (input.seed === failSeed) {
            seen.cellsNow -= 1; // the cell ends here
            throw injectedFailure(`seed ${failSeed} is set to fail`);
          }
        }
      },
      onEnd(name) {
        if (name === 'recordDataProduct') seen.productsNow -= 1;
        if (name === 'recordCellResult') seen.cellsNow -= 1;
      },
    },
  );
  // Plenty of GPU slots: only the sweep's window may bound how many cells train at once.
  workers = await createWorkers({
    connection: temporal.nativeConnection,
    namespace: 'default',
    deps: { store, models: createModelSource() },
    activities,
    maxConcurrentGpuActivities: 16,
    maxConcurrentCpuActivities: 16,
  });
  running = runWorkers(workers);
});

afterAll(async () => {
  for (const worker of workers ?? []) if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await temporal?.stop();
});

function resetProbe(): void {
  seen.cellsMax = 0;
  seen.productsMax = 0;
  seen.calls.clear();
  seen.fineTunedSeeds = [];
}

/** 2 languages × 2 strategies × 6 seeds + gold: 4 data products, 36 cells. */
function gridConfig(name: string, overrides: Parameters<typeof testSweepConfig>[0]['concurrency'] & { events?: number; bytes?: number } = {}) {
  const { events, bytes, ...concurrency } = overrides;
  return testSweepConfig({
    tinyModel: '/unused/by/noop/activities',
    name,
    languages: ['cy', 'he'],
    strategies: ['TargetDemos', 'TargetDemos+SL'],
    seeds: [1, 2, 3, 4, 5, 6],
    goldBaseline: true,
    concurrency: { dataProducts: 2, cells: 3, ...concurrency },
    orchestration: { continueAsNewAfterEvents: events, continueAsNewAfterBytes: bytes },
  });
}

/** Each run of a sweep, oldest first, with where it saw its history limit. */
async function crossingsOf(sweepId: string, limit: { events?: number; bytes?: number }) {
  const runs: Array<{ startTime: Date; history: proto.temporal.api.history.v1.IHistory; crossing: LimitCrossing }> = [];
  for await (const execution of temporal.client.workflow.list({ query: `WorkflowId = '${sweepId}'` })) {
    const history = await temporal.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    runs.push({ startTime: execution.startTime, history, crossing: limitCrossing(history, limit) });
  }
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

/**
 * A run that saw its limit starts no child after that, and what it still waits for is at most one
 * window of cells (3) and one of data products (2). Only the last run may end without reaching it.
 * History size is not bounded in bytes here: how many events land between two workflow tasks
 * depends on how fast the machine runs them.
 */
function expectRespectedLimit(crossing: LimitCrossing, isLastRun: boolean): void {
  if (!isLastRun) expect(crossing.crossedAtEventId, 'a run that continued as new before reaching its limit').toBeDefined();
  if (crossing.crossedAtEventId === undefined) return;
  expect(crossing.childrenStartedAfter, `children started after the run saw its limit at event ${crossing.crossedAtEventId}`).toBe(0);
  expect(crossing.childrenInFlightAtCrossing, 'children still running when the limit was seen').toBeLessThanOrEqual(3 + 2);
}

describe('sweep orchestration', () => {
  it('keeps within its windows: never more cells or data products at once than configured, and uses them', async () => {
    resetProbe();
    const input = sweepInput(gridConfig('window', { dataProducts: 2, cells: 3 }));
    const summary = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    expect(summary.cells).toEqual({ total: 36, completed: 36, failed: 0, reused: 0 });
    expect(seen.cellsMax).toBe(3);
    expect(seen.productsMax).toBe(2);
    expect(seen.calls.get('generateSamples')).toBe(4);
    expect(seen.calls.get('fineTuneAndEvaluate')).toBe(36);
    expect(summary.runs).toBe(1);
  });

  it('continues as new before the history grows and carries finished cells, products and counts across runs', async () => {
    resetProbe();
    const input = sweepInput(gridConfig('carry', { events: 60 }));
    const handle = await temporal.client.workflow.start(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    const progressSeen: SweepProgress[] = [];
    const poll = setInterval(() => {
      handle.query<SweepProgress>('progress').then((progress) => progressSeen.push(progress), () => undefined);
    }, 200);
    const summary = await handle.result().finally(() => clearInterval(poll));

    expect(summary.runs).toBeGreaterThanOrEqual(3);
    expect(summary.cells).toEqual({ total: 36, completed: 36, failed: 0, reused: 0 });
    expect(summary.dataProducts).toEqual({ total: 4, completed: 4, failed: 0 });
    // Nothing ran twice across runs: each product generated once, each cell trained once.
    expect(seen.calls.get('generateSamples')).toBe(4);
    expect(seen.calls.get('fineTuneAndEvaluate')).toBe(36);
    expect(seen.calls.get('openSweep')).toBe(1);
    // Progress never went backwards across continue-as-new.
    for (let index = 1; index < progressSeen.length; index += 1) {
      expect(progressSeen[index]!.cells.done).toBeGreaterThanOrEqual(progressSeen[index - 1]!.cells.done);
    }

    // Every run stopped starting children once it saw its limit, and replays deterministically.
    // The run stops starting children where the drain of its windows (3 + 2 children) still fits in 60 events.
    const crossings = await crossingsOf(input.sweepId, { events: rollOverThreshold(60, 3 + 2, DRAIN_PER_CHILD.events) });
    expect(crossings).toHaveLength(summary.runs);
    for (const [index, { history, crossing }] of crossings.entries()) {
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `${input.sweepId} run ${index + 1}`);
      expectRespectedLimit(crossing, index === crossings.length - 1);
    }

    const records = await recordedResults(store, summary);
    expect(records.cells).toHaveLength(36);
    expect(records.missingCells).toEqual([]);
    expect(await readdir(join(sweepRecordsOf(store).folderOf(input.sweepId), 'cells'))).toHaveLength(36);
  });

  it('continues as new on its history size too', async () => {
    resetProbe();
    const bytes = 40_000;
    const input = sweepInput(gridConfig('carry-bytes', { bytes }));
    const summary = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    expect(summary.runs).toBeGreaterThanOrEqual(2);
    expect(summary.cells).toEqual({ total: 36, completed: 36, failed: 0, reused: 0 });
    expect(seen.calls.get('fineTuneAndEvaluate')).toBe(36);
    const crossings = await crossingsOf(input.sweepId, { bytes: rollOverThreshold(bytes, 3 + 2, DRAIN_PER_CHILD.bytes) });
    expect(crossings).toHaveLength(summary.runs);
    for (const [index, { crossing }] of crossings.entries()) expectRespectedLimit(crossing, index === crossings.length - 1);
  });

  it('resume re-runs only the failed cells; finished cells and data products are reused', async () => {
    resetProbe();
    const input = sweepInput(gridConfig('resume'));
    failSeed = 4;
    const first = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    // Seed 4 fails in each of 2 languages × (2 strategies + gold).
    expect(first.cells).toEqual({ total: 36, completed: 30, failed: 6, reused: 0 });
    expect(first.failed.every((item) => item.kind === 'cell' && item.key.endsWith('.s4') && item.message.includes('seed 4 is set to fail'))).toBe(true);
    const failedListed: string[] = [];
    for await (const execution of temporal.client.workflow.list({ query: `SweepId = '${input.sweepId}' AND WorkflowType = 'cellWorkflow' AND CellStatus = 'failed'` })) {
      failedListed.push(execution.workflowId);
    }
    expect(failedListed.sort()).toEqual(first.failed.map((item) => cellWorkflowId(input.sweepId, item.key)).sort());

    resetProbe();
    failSeed = undefined;
    const resumed = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    expect(resumed.cells).toEqual({ total: 36, completed: 36, failed: 0, reused: 30 });
    expect(seen.fineTunedSeeds).toEqual([4, 4, 4, 4, 4, 4]);
    expect(seen.calls.get('generateSamples')).toBeUndefined();
    const records = await recordedResults(store, resumed);
    expect(records.cells).toHaveLength(36);
    expect(new Set(records.cells.map((cell) => cell.key)).size).toBe(36);
  });
});
