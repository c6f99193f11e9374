/**
 * Failures that say why, through the real CLI against a real dev server and in-process workers.
 * A sweep whose data vanished after its pre-flight (started here with a data root that does not
 * exist) fails in its workflows: its data product at `generate`, its gold cell at `select`.
 * `sweep start --wait` (attached to that run), `sweep status` and `sweep show` print the root cause
 * and the stage; `sweep cancel` on the closed sweep says it is closed and exits 1.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { repoRoot } from '../../src/infra/paths';
import { TASK_QUEUES } from '../../src/shared/constants';
import { SweepIdKey } from '../../src/shared/search-attributes';
import { sweepWorkflow } from '../../src/workflows/sweep';
import { waitFor } from '../helpers/processes';
import { createScriptedModel } from '../helpers/scripted-model';
import { startInProcessWorkers, sweepInput, testSweepConfig, type InProcessWorkers } from '../helpers/stack';
import { cliEnvFor, startTestTemporal, type TestTemporal } from '../helpers/temporal';

const MISSING_DATA_ROOT = '/nonexistent-synthlab-data-root';
const STACK_TRACE = /^\s+at .*:\d+:\d+\)?$/m;
const scratch = mkdtempSync(join(tmpdir(), 'synthlab-cli-failures-'));

let temporal: TestTemporal;
let workers: InProcessWorkers | undefined;

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as its own process (the in-process workers keep running meanwhile); `onOutput` sees stdout as it comes. */
function synthlab(args: string[], onOutput: (stdout: string) => void = () => {}): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'synthlab.mjs'), ...args], { cwd: repoRoot, env: cliEnvFor(temporal), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => onOutput((stdout += chunk)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolveRun({ status, stdout, stderr }));
  });
}

const config = testSweepConfig({ tinyModel: 'packaged:all-minilm-l6-v2', name: 'fails', strategies: ['TargetDemos'], seeds: [1], goldBaseline: true });
const goldCellId = 'sweep/fails/cell/sib200.cy.gold.s1';
let startRun: CliRun;
let productId: string;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-cli-failures-');
  // The run that will fail, started before any worker polls, so the CLI attaches to it while it runs.
  const input = { ...sweepInput(config), dataRoot: MISSING_DATA_ROOT };
  await temporal.client.workflow.start(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input], typedSearchAttributes: [{ key: SweepIdKey, value: input.sweepId }] });

  // The same sweep as a config file that passes the pre-flight (real data, packaged models).
  const configFile = join(scratch, 'fails.yaml');
  writeFileSync(configFile, stringify({ ...config, training: { ...config.training, model: 'packaged:all-minilm-l6-v2' } }));
  let attached = false;
  const started = synthlab(['sweep', 'start', '--wait', configFile], (stdout) => (attached ||= stdout.includes('sweep sweep/fails started')));
  await waitFor(() => (attached ? true : undefined), 120_000, 'sweep start to attach to the running sweep');
  workers = await startInProcessWorkers(temporal, createScriptedModel([]));
  startRun = await started;
  for await (const execution of temporal.client.workflow.list({ query: "WorkflowType = 'dataProductWorkflow'" })) productId = execution.workflowId;
}, 300_000);

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const missingTrain = `DataError: ${MISSING_DATA_ROOT}/sib200/cym_Latn/train.tsv, line 0: file not found`;

it('sweep start --wait on a sweep that fails prints why and where, exit 1, no stack trace', () => {
  expect(startRun.status).toBe(1);
  expect(startRun.stderr).not.toMatch(STACK_TRACE);
  const lines = startRun.stderr.trimEnd().split('\n');
  expect(lines[0]).toBe('synthlab: sweep sweep/fails failed');
  expect(lines[1]).toMatch(/^ {2}error: SweepFailed: every cell of sweep sweep\/fails failed; first failure: /);
  expect(lines).toContain(`  failed cell ${goldCellId} at stage select: ${missingTrain}`);
  expect(lines).toContain(`  failed data product ${productId} at stage generate: ${missingTrain}`);
});

it('sweep status on the failed sweep prints the cause and each failed child with its stage', async () => {
  const run = await synthlab(['sweep', 'status', 'fails']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^sweep\/fails: FAILED, \d+ s$/m);
  expect(run.stdout).toMatch(/^ {2}error: SweepFailed: every cell of sweep sweep\/fails failed/m);
  expect(run.stdout).toContain(`  failed cell ${goldCellId} at stage select: ${missingTrain}`);
  expect(run.stdout).toContain(`  failed data product ${productId} at stage generate: ${missingTrain}`);
});

it('sweep show on the failed data product prints its stage, the root cause and the activity it came from', async () => {
  const run = await synthlab(['sweep', 'show', productId]);
  expect(run.status).toBe(0);
  expect(run.stdout).toContain(`${productId}: FAILED (dataProductWorkflow)`);
  expect(run.stdout).toContain('  failed at stage: generate');
  expect(run.stdout).toContain(`  error: ${missingTrain}`);
  expect(run.stdout).toContain('  via: activity generateSamples');
});

it('sweep show on the failed cell prints its stage and the root cause', async () => {
  const run = await synthlab(['sweep', 'show', goldCellId]);
  expect(run.status).toBe(0);
  expect(run.stdout).toContain(`${goldCellId}: FAILED (cellWorkflow)`);
  expect(run.stdout).toContain('  failed at stage: select');
  expect(run.stdout).toContain(`  error: ${missingTrain}`);
});

it('sweep cancel on the closed sweep says so and exits 1', async () => {
  const run = await synthlab(['sweep', 'cancel', 'fails']);
  expect(run.status).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe('synthlab: sweep/fails is already closed (FAILED); nothing to cancel\n');
});
