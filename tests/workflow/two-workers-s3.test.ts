/**
 * Workers on several machines, on one: worker A (this process, the `cpu` queue: workflows, LLM
 * calls, data stages) and worker B (a real `synthlab worker` process, the `gpu` queue: training)
 * have separate state folders and share only the Temporal server and a real S3-compatible server
 * (SeaweedFS) started here. A makes a data product, B trains on it; neither can read the other's
 * folders, and no history, record or stored result names a local path.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createModelSource } from '../../src/activities/deps';
import { artifactStoreFromEnvironment } from '../../src/artifacts/location';
import { artifactKeyOf, artifactRefSchema, type ArtifactRef } from '../../src/artifacts/ref';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import { mlPython, repoRoot, synthlabCliArgs } from '../../src/infra/paths';
import type { CompletionRequest } from '../../src/llm/types';
import { TASK_QUEUES } from '../../src/shared/constants';
import { createWorkers, runWorkers, workflowBundle } from '../../src/workers/create-workers';
import { sweepWorkflow } from '../../src/workflows/sweep';
import { waitFor } from '../helpers/processes';
import { createScriptedModel } from '../helpers/scripted-model';
import { startSeaweedS3, type TestS3 } from '../helpers/seaweedfs';
import { sweepInput, testSweepConfig } from '../helpers/stack';
import { cliEnvFor, startTestTemporal, type TestTemporal } from '../helpers/temporal';

const BUCKET = 'synthlab-artifacts';
const PREFIX = 'two-workers';
const WORKER_A = 'worker-A-cpu';
const WORKER_B = 'worker-B-gpu';
/** Workflow tasks, and the local activities they run (the cell's selectTrainingSet, recordCellResult). */
const WORKFLOW_TASKS = 'workflow tasks and their local activities';

let s3: TestS3;
let temporal: TestTemporal;
let stateA: string;
let stateB: string;
let workerB: ChildProcess | undefined;
let tinyModel: string;
let logB: string;

/** Generation requests get label-specific lines (the sweep test's script). */
function scriptedReply(request: CompletionRequest, index: number): string {
  const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
  const label = /whose topic is "([^"]+)"/.exec(user)?.[1] ?? 'unknown';
  return Array.from({ length: 4 }, (_, line) => `Mae'r testun ${label} hwn yn sôn am rif ${index * 10 + line} yng Nghymru.`).join('\n');
}

function s3Env(): Record<string, string> {
  return { SYNTHLAB_ARTIFACTS: `s3://${BUCKET}/${PREFIX}`, SYNTHLAB_S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
}

/** The tiny random BERT of the other workflow tests, built without blocking the event loop. */
async function buildTinyModelAsync(directory: string): Promise<string> {
  if (!existsSync(join(directory, 'config.json'))) await promisify(execFile)(mlPython, ['-m', 'synthlab_ml', 'make-tiny-model', '--output', directory]);
  return directory;
}

/** A history as text with every payload decoded (payload data is JSON bytes). */
function historyText(history: unknown): string {
  return JSON.stringify(history, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
      return Buffer.from((value as { data: number[] }).data).toString('utf8');
    }
    return value;
  });
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

function refsIn(value: unknown, found: ArtifactRef[] = []): ArtifactRef[] {
  if (Array.isArray(value)) value.forEach((child) => refsIn(child, found));
  else if (value && typeof value === 'object') {
    const ref = artifactRefSchema.safeParse(value);
    if (ref.success) found.push(ref.data);
    else Object.values(value).forEach((child) => refsIn(child, found));
  }
  return found;
}

/** Worker B: the real `synthlab worker` process, serving only `gpu`, its state folder B, its log there. */
async function startWorkerB(): Promise<void> {
  logB = join(stateB, 'worker.log');
  const log = openSync(logB, 'a');
  workerB = spawn(process.execPath, synthlabCliArgs('worker'), {
    cwd: repoRoot,
    stdio: ['ignore', log, log],
    env: { ...cliEnvFor(temporal), ...s3Env(), SYNTHLAB_STATE_DIR: stateB, SYNTHLAB_QUEUES: 'gpu', SYNTHLAB_WORKER_IDENTITY: WORKER_B },
  });
  closeSync(log);
  await waitFor(async () => ((await readFile(logB, 'utf8')).includes('serving gpu') ? true : undefined), 60_000, `worker B to start (log: ${logB})`);
}

beforeAll(async () => {
  const started = performance.now();
  const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  stateA = await mkdtemp(join(tmpdir(), 'synthlab-worker-a-'));
  stateB = await mkdtemp(join(tmpdir(), 'synthlab-worker-b-'));
  [s3, temporal] = await Promise.all([startSeaweedS3(), startTestTemporal('synthlab-two-workers-')]);
  await s3.client.createBucket(BUCKET);
  console.log(`[two-workers] weed and Temporal up after ${seconds()}`);
  // The slow parts of starting, at once: the tiny model (Python), worker B's process, A's workflow bundle.
  await Promise.all([
    buildTinyModelAsync(join(temporal.stateDir, 'tiny-model')).then((path) => (tinyModel = path)),
    startWorkerB(),
    workflowBundle(),
  ]);
  console.log(`[two-workers] tiny model, worker B and workflow bundle ready after ${seconds()}`);
}, 180_000);

afterAll(async () => {
  if (workerB && workerB.exitCode === null && workerB.signalCode === null) {
    const exited = new Promise((resolveExit) => workerB?.once('exit', resolveExit));
    workerB.kill('SIGTERM');
    await exited;
  }
  await temporal?.stop();
  await s3?.stop();
  for (const folder of [stateA, stateB]) if (folder) await rm(folder, { recursive: true, force: true });
});

it('worker A makes a data product, worker B trains on it, through S3 only; no record names a local path', async () => {
  const started = performance.now();
  const storeA = artifactStoreFromEnvironment(join(stateA, 'artifacts'), s3Env());
  const model = createScriptedModel(scriptedReply);
  const workersA = await createWorkers({
    connection: temporal.nativeConnection,
    namespace: 'default',
    deps: { store: storeA, models: createModelSource(() => model) },
    queues: ['cpu'],
    identity: WORKER_A,
  });
  const config = testSweepConfig({ tinyModel, name: 'two-workers', strategies: ['TargetDemos'], seeds: [1], goldBaseline: false });
  const input = sweepInput(config);
  const summary = await runWorkers(workersA, temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] }));
  console.log(`[two-workers] sweep finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`[two-workers] worker B's log:\n${(await readFile(logB, 'utf8')).trim()}`);
  expect(summary?.failed).toEqual([]);
  expect(summary?.cells).toMatchObject({ total: 1, completed: 1, failed: 0 });
  expect(summary?.dataProducts).toMatchObject({ total: 1, completed: 1 });
  expect(summary?.trainings).toBe(1);

  // Who ran what, from each activity task's `identity` in the server's histories.
  const histories: string[] = [];
  const ranBy = new Map<string, Set<string>>();
  for await (const execution of temporal.client.workflow.list()) {
    const history = await temporal.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    histories.push(historyText(history));
    const scheduled = new Map<string, string>();
    for (const event of history.events ?? []) {
      const activityType = event.activityTaskScheduledEventAttributes?.activityType?.name;
      if (activityType) scheduled.set(String(event.eventId), activityType);
      const workflowTask = event.workflowTaskStartedEventAttributes;
      if (workflowTask) ranBy.set(WORKFLOW_TASKS, (ranBy.get(WORKFLOW_TASKS) ?? new Set()).add(workflowTask.identity ?? '?'));
      const started = event.activityTaskStartedEventAttributes;
      if (started) {
        const type = scheduled.get(String(started.scheduledEventId)) ?? '?';
        ranBy.set(type, (ranBy.get(type) ?? new Set()).add(started.identity ?? '?'));
        console.log(`[two-workers] ${execution.workflowId}: ${type} ran on ${started.identity}`);
      }
    }
  }
  console.log(`[two-workers] activities by worker: ${JSON.stringify(Object.fromEntries([...ranBy].map(([type, identities]) => [type, [...identities]])))}`);
  // The data product's stages ran on A (and every other CPU activity); training and scoring on B alone.
  expect(ranBy.get('generateSamples')).toBeDefined();
  expect(ranBy.get('keepSamples')).toBeDefined();
  for (const [type, identities] of ranBy) expect([...identities], type).toEqual([type === 'fineTuneAndEvaluate' ? WORKER_B : WORKER_A]);
  expect(ranBy.get('fineTuneAndEvaluate')).toBeDefined();

  // B trained in its own folder, on data it fetched from the bucket into its cache; A trained nothing.
  expect(existsSync(join(stateB, 'artifacts', 'work', 'train'))).toBe(true);
  expect(existsSync(join(stateA, 'artifacts', 'work', 'train'))).toBe(false);
  const cellRecord = [...(await sweepRecordsOf(storeA).readCells(input.sweepId)).values()][0];
  expect(cellRecord?.result.modelDir).toMatch(/^artifact:work\/train\/[0-9a-f]+\/best$/);
  const productRecord = [...(await sweepRecordsOf(storeA).readDataProducts(input.sweepId)).values()][0];
  const trainingData = (await filesUnder(join(stateB, 'artifacts', 'cache', 'blobs'))).filter((file) => file.endsWith('.jsonl'));
  expect(trainingData.length, 'train, dev and test rows fetched by B').toBeGreaterThanOrEqual(3);

  // No history, record or stored JSON names either state folder, or any file: URI.
  const records = [...(await filesUnder(join(stateA, 'artifacts', 'index'))), ...(await filesUnder(join(stateA, 'artifacts', 'sweeps'))), ...(await filesUnder(join(stateB, 'artifacts', 'index')))];
  expect(records.length).toBeGreaterThan(5);
  const recordTexts = await Promise.all(records.map((file) => readFile(file, 'utf8')));
  const refs = recordTexts.flatMap((text) => refsIn(JSON.parse(text)));
  const blobTexts: string[] = [];
  for (const ref of refs) {
    const key = artifactKeyOf(ref.uri);
    expect(key, `${ref.uri} is a store key`).toBeDefined();
    const object = await s3.client.getObject(BUCKET, `${PREFIX}/${key}`);
    expect(object, `s3://${BUCKET}/${PREFIX}/${key}`).toBeDefined();
    if (/\.jsonl?$/.test(key!)) blobTexts.push(object!.toString('utf8'));
  }
  expect(await s3.client.headObject(BUCKET, `${PREFIX}/${artifactKeyOf(cellRecord!.result.modelDir)}.manifest.json`)).toBeDefined();
  const localPaths = [stateA, stateB, await realpath(stateA), await realpath(stateB), 'file://'];
  const texts = [...histories.map((text, index) => [`history ${index}`, text]), ...records.map((file, index) => [file, recordTexts[index]!]), ...blobTexts.map((text, index) => [`blob ${index}`, text])];
  for (const [where, text] of texts) for (const path of localPaths) expect(text!.includes(path), `${where} names ${path}`).toBe(false);
  console.log(
    `[two-workers] ${histories.length} histories, ${records.length} records, ${blobTexts.length} JSON blobs checked: no state folder path, no file: URI; ` +
      `${new Set(refs.map((ref) => ref.uri)).size} artifacts in s3://${BUCKET}/${PREFIX}; product kept ${JSON.stringify(productRecord?.counts.kept)}; cell macro-F1 ${cellRecord?.result.macroF1}`,
  );
}, 150_000);
