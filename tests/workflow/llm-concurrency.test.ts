/**
 * Generation and revision keep the backend full: requests in flight per data product are bounded
 * by the provider's concurrency, not by the number of labels, and the quota per label stays exact.
 * Against a real Temporal dev server: a scripted model counts the requests in flight per label;
 * then a real `synthlab worker` process drives an openai-compatible provider against a loopback
 * server and is killed with SIGKILL twice, and the product's generation resumes from its
 * append-only log (the second time from a progress file of the older, whole-file format),
 * redoing at most the requests that were in flight.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ArtifactStore } from '../../src/artifacts/store';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import type { DataProductResult } from '../../src/artifacts/results';
import { planSweep } from '../../src/config/plan';
import { getDatasetSpec } from '../../src/data/registry';
import { waitForPollers } from '../../src/infra/stack';
import type { CompletionRequest } from '../../src/llm/types';
import { DEFAULT_NAMESPACE, TASK_QUEUES } from '../../src/shared/constants';
import { dataProductWorkflow, type DataProductInput } from '../../src/workflows/data-product';
import { startCapacityServer, type CapacityServer } from '../../bench/capacity-server';
import { waitFor } from '../helpers/processes';
import { createScriptedModel } from '../helpers/scripted-model';
import { dataRoot, startInProcessWorkers, testSweepConfig, type InProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { startWorkerProcess } from '../helpers/encrypted-sweep';

const JUDGE_MARKER = 'Start your reply with the single word Yes or No';
const labels = getDatasetSpec('sib200').labels;
const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
const labelOf = (request: CompletionRequest) => /whose topic is "([^"]+)"/.exec(request.messages.map((message) => message.content).join('\n'))?.[1];
const isJudgeRequest = (request: CompletionRequest) => request.messages.some((message) => message.content.includes(JUDGE_MARKER));

let temporal: TestTemporal;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-llm-concurrency-');
});

afterAll(async () => {
  await temporal?.stop();
});

function productInput(name: string, overrides: Partial<Parameters<typeof testSweepConfig>[0]>): DataProductInput {
  const config = testSweepConfig({ tinyModel: '/unused/no/training/here', name, seeds: [1], goldBaseline: false, selection: { perLabel: 1 }, ...overrides });
  const product = planSweep(config).dataProducts[0]!;
  return { sweepId: `sweep/${name}`, dataRoot, dataset: getDatasetSpec('sib200'), product };
}

async function recordedProduct(store: ArtifactStore, input: DataProductInput): Promise<DataProductResult> {
  const result = (await sweepRecordsOf(store).readDataProducts(input.sweepId)).get(input.product.key);
  if (!result) throw new Error(`no record of data product ${input.product.key} in ${input.sweepId}`);
  return result;
}

describe('requests in flight per data product', () => {
  const concurrency = 16;
  const quota = 40;
  /** Generation requests in flight for one label at once, the most seen. */
  const mostInFlightByLabel: Record<string, number> = {};
  let mostJudgementsInFlight = 0;
  const model = createScriptedModel(
    (request, index) => {
      const inFlight = [...model.inFlightRequests];
      if (isJudgeRequest(request)) {
        mostJudgementsInFlight = Math.max(mostJudgementsInFlight, inFlight.filter(isJudgeRequest).length);
        return 'Yes, it fits the topic.';
      }
      const label = labelOf(request) ?? 'unknown';
      mostInFlightByLabel[label] = Math.max(mostInFlightByLabel[label] ?? 0, inFlight.filter((other) => labelOf(other) === label).length);
      // One request meets the other labels' quota; sports gets one sample per request, so it needs the slots.
      const lines = label === 'sports' ? 1 : quota;
      return Array.from({ length: lines }, (_, line) => `${line + 1}. Mae'r testun ${label} hwn yn sôn am rif ${index * 100 + line} yng Nghymru.`).join('\n');
    },
    { concurrency, latencyMs: 20 },
  );
  let workers: InProcessWorkers;

  beforeAll(async () => {
    workers = await startInProcessWorkers(temporal, model);
  });

  afterAll(async () => {
    await workers?.stop();
  });

  it('keeps up to the provider concurrency in flight for one label, and keeps exactly the quota of each label', async () => {
    const input = productInput('one-label-in-flight', { generation: { samplesPerLabel: quota, samplesPerRequest: 4, maxRequestsPerLabel: 200, demosPerLabel: 3 } });
    await temporal.client.workflow.execute(dataProductWorkflow, { workflowId: `${input.sweepId}/data/${input.product.key}`, taskQueue: TASK_QUEUES.cpu, args: [input] });
    const result = await recordedProduct(workers.store, input);

    expect(model.maxInFlight).toBe(concurrency);
    expect(mostInFlightByLabel.sports).toBe(concurrency);
    expect(mostJudgementsInFlight).toBe(concurrency);
    expect(result.counts.kept).toEqual(Object.fromEntries(labels.map((label) => [label, quota])));
    expect(result.counts.unique).toEqual(Object.fromEntries(labels.map((label) => [label, quota])));
    expect(result.rounds).toBe(1);
    // Sports needs 40 requests; it may overshoot by no more than the requests in flight when its quota was met.
    expect(result.counts.requested.sports).toBeGreaterThanOrEqual(quota);
    expect(result.counts.requested.sports).toBeLessThan(quota + concurrency);
    // Samples are taken in request order: sports keeps one from each of its first 40 requests, whatever order replies came in.
    const requests = await workers.store.readJsonl(result.requests!, z.looseObject({ label: z.string(), requestIndex: z.number(), newUnique: z.number() }));
    const sports = requests.filter((request) => request.label === 'sports');
    expect(sports.map((request) => request.requestIndex)).toEqual(sports.map((_, index) => index));
    expect(sports.map((request) => request.newUnique)).toEqual(sports.map((_, index) => (index < quota ? 1 : 0)));
  });
});

describe('a generation whose worker is killed', () => {
  const concurrency = 8;
  const workerProcesses: ChildProcess[] = [];
  let server: CapacityServer;

  function startWorker(): ChildProcess {
    const child = startWorkerProcess(temporal, {});
    workerProcesses.push(child);
    return child;
  }

  async function kill(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    // 24 tokens per reply at 20 ms a token: each request holds one of the 8 slots for about half a second.
    server = await startCapacityServer({ slots: concurrency, tokenMs: 20 });
  });

  afterAll(async () => {
    for (const child of workerProcesses) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server?.close();
  });

  it('resumes from its append-only log, then from an old-format progress file, redoing at most the requests in flight', async () => {
    const input = productInput('killed-generation', {
      strategies: ['TargetDemos'],
      generators: [{ name: 'capacity', provider: { kind: 'openai-compatible', baseURL: server.baseURL, model: 'capacity', apiKeyEnv: 'SYNTHLAB_TEST_UNUSED_KEY', concurrency } }],
      generation: { samplesPerLabel: 24, samplesPerRequest: 2, maxRequestsPerLabel: 30, demosPerLabel: 3 },
    });
    const workflowId = `${input.sweepId}/data/${input.product.key}`;
    const generateWork = join(temporal.stateDir, 'artifacts', 'work', 'generate');
    const generationsOf = () => (existsSync(generateWork) ? readdirSync(generateWork) : []);
    const otherGenerations = new Set(generationsOf());
    const logPath = () => {
      const keys = generationsOf().filter((key) => !otherGenerations.has(key));
      if (keys.length !== 1) throw new Error(`expected one new generation in ${generateWork}, found ${keys.length}`);
      return join(generateWork, keys[0]!, 'requests.jsonl');
    };
    const lineSchema = z.looseObject({ label: z.string(), requestIndex: z.number().int(), reply: z.string(), parsed: z.number().int() });
    const readLines = async (path: string) =>
      (await readFile(path, 'utf8'))
        .split('\n')
        .filter((line) => line.endsWith('}'))
        .map((line) => lineSchema.parse(JSON.parse(line)));

    const finalLinesTokens = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.endsWith('}'))
        .reduce((sum, line) => sum + z.object({ usage: z.object({ completionTokens: z.number() }) }).parse(JSON.parse(line)).usage.completionTokens, 0);

    /** Runs the product on a fresh worker until `completions` more requests were answered, then kills the worker. */
    const runAndKill = async (completions: number) => {
      const worker = startWorker();
      await waitForPollers(temporal.server.address, DEFAULT_NAMESPACE);
      const sentBefore = server.requests().length;
      const recordedBefore = generationsOf().length > otherGenerations.size ? (await readLines(logPath())).length : 0;
      const handle = await temporal.client.workflow.start(dataProductWorkflow, { workflowId, taskQueue: TASK_QUEUES.cpu, args: [input] });
      await waitFor(() => (server.stats().completions >= sentBefore + completions ? true : undefined), 120_000, `${completions} answered requests`);
      await kill(worker);
      const sent = server.requests().length - sentBefore;
      const recorded = (await readLines(logPath())).length - recordedBefore;
      // The product would be retried after its 5-minute heartbeat timeout; starting it again (as `sweep resume` does) is quicker.
      await handle.terminate('the test killed its worker');
      return { sent, recorded, inFlightAtKill: sent - recorded };
    };

    const first = await runAndKill(20);
    const second = await runAndKill(20);

    // Turn the log into the whole-file progress of the previous version (every request with its newUnique count).
    const path = logPath();
    const lines = await readLines(path);
    const labelsProgress = Object.fromEntries(labels.map((label) => [label, { requests: lines.filter((line) => line.label === label).length, parsed: 0, samples: [] }]));
    await writeFile(join(path, '..', 'progress.json'), JSON.stringify({ labels: labelsProgress, requests: lines.map((line) => ({ ...line, newUnique: line.parsed })) }));
    await rm(path);

    startWorker();
    const outcome = await temporal.client.workflow.execute(dataProductWorkflow, { workflowId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    const result = await recordedProduct(new ArtifactStore(join(temporal.stateDir, 'artifacts')), input);
    const sentInAll = server.requests().length;
    const made = total(result.counts.requested);

    // Evidence for the closing note.
    console.log(
      `kill test: ${first.inFlightAtKill} and ${second.inFlightAtKill} requests in flight at the two kills; ` +
        `${made} requests recorded, ${sentInAll} sent (${sentInAll - made} redone)`,
    );
    expect(outcome.summary).not.toContain('short');
    // Its usage counts each recorded request once: those the killed workers finished, those read from the old file, the rest.
    expect(result.usage?.generate.requests).toBe(made);
    expect(result.usage?.generate.completionTokens).toBe(finalLinesTokens(await readFile(path, 'utf8')));
    expect(result.counts.kept).toEqual(Object.fromEntries(labels.map((label) => [label, 24])));
    for (const kill of [first, second]) {
      expect(kill.recorded).toBeGreaterThan(0);
      expect(kill.inFlightAtKill).toBeLessThanOrEqual(concurrency);
    }
    expect(first.inFlightAtKill + second.inFlightAtKill, 'requests were in flight when the workers died').toBeGreaterThan(0);
    // Every request but those in flight at a kill was made once.
    expect(sentInAll - made).toBeLessThanOrEqual(first.inFlightAtKill + second.inFlightAtKill);
    // One product of 7 labels kept all 8 slots busy.
    expect(server.stats().maxServing).toBe(concurrency);

    expect(existsSync(join(path, '..', 'progress.json')), 'the old progress file was turned into lines').toBe(false);
    const finalLines = await readLines(path);
    expect(finalLines).toHaveLength(made);
    for (const label of labels) {
      const indices = finalLines.filter((line) => line.label === label).map((line) => line.requestIndex);
      expect(indices.sort((left, right) => left - right)).toEqual(indices.map((_, index) => index));
    }
  }, 600_000);
});
