/**
 * A sweep that carries canary texts into its payloads, for the payload encryption tests: one in the
 * task description (the sweep's input, and the data product's generate activity input), one in a
 * data root that does not exist, so that every activity fails with a DataError naming it (the
 * failure messages of activities, cells, the data product and the sweep).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { repoRoot, synthlabCliArgs } from '../../src/infra/paths';
import { TASK_QUEUES } from '../../src/shared/constants';
import { SweepIdKey } from '../../src/shared/search-attributes';
import { sweepWorkflow } from '../../src/workflows/sweep';
import { sweepInput, testSweepConfig } from './stack';
import { cliEnvFor, type TestTemporal } from './temporal';

export const CANARY_INPUT = 'canary-input-Aberystwyth-4c1e7a';
export const CANARY_ERROR = 'canary-error-Pwllheli-9d2b31';

export const canarySweepConfig = testSweepConfig({
  tinyModel: 'packaged:all-minilm-l6-v2',
  name: 'secret',
  tasks: [{ dataset: 'sib200', description: `The topic of a news sentence (${CANARY_INPUT})` }],
  strategies: ['TargetDemos'],
  seeds: [1],
  goldBaseline: true,
});

export const canarySweepInput = { ...sweepInput(canarySweepConfig), dataRoot: `/nonexistent-${CANARY_ERROR}` };
export const canaryGoldCellId = `${canarySweepInput.sweepId}/cell/sib200.cy.gold.s1`;

/** Starts the canary sweep and waits for it to fail; returns the client's (decoded) error. */
export async function runCanarySweep(temporal: TestTemporal): Promise<WorkflowFailedError> {
  const handle = await temporal.client.workflow.start(sweepWorkflow, {
    workflowId: canarySweepInput.sweepId,
    taskQueue: TASK_QUEUES.cpu,
    args: [canarySweepInput],
    typedSearchAttributes: [{ key: SweepIdKey, value: canarySweepInput.sweepId }],
  });
  try {
    await handle.result();
  } catch (error) {
    if (error instanceof WorkflowFailedError) return error;
    throw error;
  }
  throw new Error('the canary sweep was meant to fail (its data root does not exist), and it completed');
}

/** The real `synthlab worker` process for this test server, with extra environment (the keys); its log in the state folder. */
export function startWorkerProcess(temporal: TestTemporal, env: NodeJS.ProcessEnv): ChildProcess {
  const log = openSync(join(temporal.stateDir, 'worker.log'), 'a');
  const child = spawn(process.execPath, synthlabCliArgs('worker'), { cwd: repoRoot, stdio: ['ignore', log, log], env: { ...cliEnvFor(temporal), ...env } });
  closeSync(log);
  return child;
}

export async function stopWorkerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  await exited;
}

/** The server's SQLite database as bytes: the main file and its write-ahead log (where recent commits are). */
export async function databaseBytes(stateDir: string): Promise<Buffer> {
  const parts = await Promise.all(['temporal.db', 'temporal.db-wal'].map((name) => readFile(join(stateDir, name)).catch(() => Buffer.alloc(0))));
  return Buffer.concat(parts);
}
