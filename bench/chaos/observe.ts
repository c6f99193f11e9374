/**
 * Runs the chaos sweep on one stack and watches it: when the LLM served requests and when
 * trainers lived (the windows the kill schedule is built from), whether the sweep is done, and,
 * at the end, what it recorded: every cell record file and the completed executions of every
 * cell workflow, read from the run's own records folder and its own dev server.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import type { LoadedSweepConfig } from '../../src/config/load';
import { DEFAULT_NAMESPACE } from '../../src/shared/constants';
import { startSweep } from '../../src/cli/sweep';
import type { CellOutcome, RunObservation } from './compare';
import { trainerProcessesOf } from './processes';
import type { LlmProxy } from './llm-server';
import type { RunStack } from './run-stack';
import type { TimeWindow } from './schedule';

export interface SweepRunOutcome {
  durationMs: number;
  /** The sweep workflow's final status (COMPLETED, FAILED, …). */
  status: string;
  llmWindow: TimeWindow;
  trainingWindow: TimeWindow;
  observation: RunObservation;
  /** Per cell: whether training resumed from a checkpoint, and how many training runs it took. */
  cellDetails: Map<string, { resumedFromEpoch: number | null; trainings: number }>;
}

export interface SweepRunHooks {
  /** Called once the sweep has started, with its start time and a probe of whether it has finished. */
  whileRunning?: (startedAt: number, sweepDone: () => boolean, generationDone: () => boolean) => Promise<void>;
}

const cellRecordFileSchema = z.looseObject({
  result: z.looseObject({ key: z.string(), macroF1: z.number(), accuracy: z.number(), resumedFromEpoch: z.number().nullable(), trainings: z.number() }),
});

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Calls `operation` until it succeeds: the dev server may be down for a restart at any moment. */
async function untilAnswered<T>(operation: () => Promise<T>, what: string, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: no answer from the dev server within ${timeoutMs / 1000} s: ${(error as Error).message}`);
      await sleep(1_000);
    }
  }
}

export async function runSweepOnStack(stack: RunStack, proxy: LlmProxy, loaded: LoadedSweepConfig, hooks: SweepRunHooks = {}): Promise<SweepRunOutcome> {
  const connection = await Connection.connect({ address: stack.address });
  const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
  const artifactsRoot = join(stack.options.stateDir, 'artifacts');
  const records = sweepRecordsOf({ root: artifactsRoot });
  try {
    proxy.reset();
    const startedAt = Date.now();
    const handle = await startSweep(client, loaded);
    let finished = false;
    let generationDone = false;
    let trainingFrom: number | undefined;
    let trainingTo: number | undefined;
    const productsFolder = join(records.folderOf(handle.workflowId), 'products');
    const watcher = (async () => {
      while (!finished) {
        if (trainerProcessesOf(stack.workerPid).length > 0) {
          trainingFrom ??= Date.now() - startedAt;
          trainingTo = Date.now() - startedAt;
        }
        if (!generationDone) generationDone = (await readdir(productsFolder).catch(() => [] as string[])).some((name) => name.endsWith('.json'));
        await sleep(500);
      }
    })();
    const chaos = hooks.whileRunning?.(startedAt, () => finished, () => generationDone);

    let status = 'RUNNING';
    while (status === 'RUNNING') {
      await sleep(2_000);
      status = (await untilAnswered(() => client.workflow.getHandle(handle.workflowId).describe(), 'describing the sweep')).status.name;
    }
    const durationMs = Date.now() - startedAt;
    finished = true;
    await watcher;
    await chaos;

    const activity = proxy.activity();
    const llmWindow: TimeWindow = activity.firstAt === undefined ? [0, 0] : [activity.firstAt - startedAt, (activity.lastAt ?? activity.firstAt) - startedAt];
    const completedExecutions = new Map<string, number>();
    const cellPrefix = `${handle.workflowId}/cell/`;
    await untilAnswered(async () => {
      completedExecutions.clear();
      for await (const execution of client.workflow.list({ query: `WorkflowType = 'cellWorkflow'` })) {
        if (!execution.workflowId.startsWith(cellPrefix) || execution.status.name !== 'COMPLETED') continue;
        const key = execution.workflowId.slice(cellPrefix.length);
        completedExecutions.set(key, (completedExecutions.get(key) ?? 0) + 1);
      }
    }, 'listing the cell workflows');

    const cellsFolder = join(records.folderOf(handle.workflowId), 'cells');
    const recordsFound: CellOutcome[] = [];
    const cellDetails = new Map<string, { resumedFromEpoch: number | null; trainings: number }>();
    for (const name of (await readdir(cellsFolder).catch(() => [] as string[])).filter((entry) => entry.endsWith('.json')).sort()) {
      const { result } = cellRecordFileSchema.parse(JSON.parse(await readFile(join(cellsFolder, name), 'utf8')));
      recordsFound.push({ key: result.key, macroF1: result.macroF1, accuracy: result.accuracy });
      cellDetails.set(result.key, { resumedFromEpoch: result.resumedFromEpoch, trainings: result.trainings });
    }
    return {
      durationMs,
      status,
      llmWindow,
      trainingWindow: [trainingFrom ?? 0, trainingTo ?? trainingFrom ?? 0],
      observation: { records: recordsFound, completedExecutions },
      cellDetails,
    };
  } finally {
    await connection.close();
  }
}
