/**
 * What a sweep cost, recorded outside history: against a real Temporal dev server, with a scripted
 * LLM that tallies what it served and the real Python trainer on a tiny model, the data product's
 * record holds exactly the requests and tokens the LLM served (a judge request that failed once and
 * was redone by the retried activity counted once), the seconds they waited on the backend, and
 * each cell's training and prediction seconds on its device; the report's cost table and `sweep
 * status`'s running totals sum them, priced at the config's price per 1k tokens.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TASK_QUEUES } from '../../src/shared/constants';
import type { CompletionRequest } from '../../src/llm/types';
import { costSoFarLines } from '../../src/cli/cost-so-far';
import { writeReport } from '../../src/report/write-report';
import { sweepWorkflow } from '../../src/workflows/sweep';
import { createScriptedModel } from '../helpers/scripted-model';
import { buildTinyModel, recordedResults, startInProcessWorkers, sweepInput, testSweepConfig, type InProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

const JUDGE_MARKER = 'Start your reply with the single word Yes or No';
const LATENCY_MS = 20;

interface Served {
  requests: number;
  promptTokens: number;
  completionTokens: number;
}
const served: Record<'generate' | 'revise', Served> = {
  generate: { requests: 0, promptTokens: 0, completionTokens: 0 },
  revise: { requests: 0, promptTokens: 0, completionTokens: 0 },
};
/** The judge request (counted from 1) that fails once, as a dropped connection would. */
let failingJudgement = 5;
let judgements = 0;

/** Tokens as the scripted model counts them: words. */
const words = (text: string) => (text.trim() === '' ? 0 : text.trim().split(/\s+/).length);

function scriptedReply(request: CompletionRequest, index: number): string {
  const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
  const isJudge = user.includes(JUDGE_MARKER);
  let reply: string;
  if (isJudge) {
    judgements += 1;
    if (judgements === failingJudgement) throw new Error(`scripted outage on judge request ${judgements}`);
    reply = index % 5 === 0 ? 'No, it reads like a list.' : 'Yes, it fits the topic.';
  } else {
    const label = /whose topic is "([^"]+)"/.exec(user)?.[1] ?? 'unknown';
    reply = Array.from({ length: 4 }, (_, line) => `Mae'r testun ${label} hwn yn sôn am rif ${index * 10 + line} yng Nghymru.`).join('\n');
  }
  const tally = served[isJudge ? 'revise' : 'generate'];
  tally.requests += 1;
  tally.promptTokens += request.messages.reduce((sum, message) => sum + words(message.content), 0);
  tally.completionTokens += words(reply);
  return reply;
}

const model = createScriptedModel(scriptedReply, { latencyMs: LATENCY_MS, concurrency: 4 });
let temporal: TestTemporal;
let workers: InProcessWorkers;
let tinyModel: string;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-costs-');
  tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  // Two GPU slots, as two GPU workers: the two cells train at once (most of a cell's time here is
  // Python importing torch, on one core), and each still records its own device seconds.
  workers = await startInProcessWorkers(temporal, model, { gpuSlots: 2 });
});

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
});

it('records what the LLM served, per stage, and each cell\'s seconds per device; the cost table and status sum them', async () => {
  const price = { promptPer1kTokens: 0.5, completionPer1kTokens: 2, currency: 'USD' };
  const base = testSweepConfig({ tinyModel, name: 'costs', goldBaseline: false });
  const config = testSweepConfig({ tinyModel, name: 'costs', goldBaseline: false, generators: base.generators.map((generator) => ({ ...generator, price })) });
  const input = sweepInput(config);
  const summary = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
  expect(summary.failed).toEqual([]);
  expect(judgements, 'the scripted outage happened').toBeGreaterThan(failingJudgement);

  const recorded = await recordedResults(workers.store, summary);
  expect(recorded.dataProducts).toHaveLength(1);
  const product = recorded.dataProducts[0]!;
  expect(product.generator).toBe('scripted');
  const { usage } = product;
  expect(usage).toBeDefined();
  // Exactly what the LLM served: the failed judge request gave no reply, so it cost nothing, and the
  // judgements the failed attempt finished were not judged (nor counted) again.
  expect(usage!.generate).toMatchObject(served.generate);
  expect(usage!.revise).toMatchObject(served.revise);
  expect(usage!.summarizeLabels).toBeUndefined();
  expect(usage!.generate.requests).toBe(Object.values(product.counts.requested).reduce((sum, count) => sum + count, 0));
  // The sweep's llmCalls counts the calls of each activity's last attempt only; the usage counts the failed attempt's finished judgements too.
  expect(summary.llmCalls).toBeLessThan(served.generate.requests + served.revise.requests);
  // Every request waited on the backend at least its scripted latency.
  for (const stage of [usage!.generate, usage!.revise!]) expect(stage.backendSeconds).toBeGreaterThanOrEqual((stage.requests * LATENCY_MS) / 1000 - 0.001);

  expect(recorded.cells).toHaveLength(2);
  for (const cell of recorded.cells) {
    expect(cell.compute?.train.device).toBe('cpu');
    expect(cell.compute?.predict.device).toBe('cpu');
    expect(cell.compute!.train.seconds).toBeGreaterThan(0);
    expect(cell.compute!.predict.seconds).toBeGreaterThan(0);
  }
  expect(recorded.prices).toEqual({ scripted: price });

  // The report's cost table: one row per stage, cell, generator, device, and the sweep's total, priced.
  const outDir = join(temporal.stateDir, 'report');
  await writeReport({ result: recorded, outDir, store: workers.store });
  const csv = (await readFile(join(outDir, 'cost.csv'), 'utf8')).trim().split('\r\n').map((line) => line.split(','));
  const header = csv[0]!;
  const column = (row: string[], name: string) => row[header.indexOf(name)];
  const sweepRow = csv.find((row) => row[0] === 'sweep')!;
  const promptTokens = served.generate.promptTokens + served.revise.promptTokens;
  const completionTokens = served.generate.completionTokens + served.revise.completionTokens;
  expect(Number(column(sweepRow, 'llm_requests'))).toBe(served.generate.requests + served.revise.requests);
  expect(Number(column(sweepRow, 'prompt_tokens'))).toBe(promptTokens);
  expect(Number(column(sweepRow, 'completion_tokens'))).toBe(completionTokens);
  expect(Number(column(sweepRow, 'price'))).toBeCloseTo((promptTokens / 1000) * 0.5 + (completionTokens / 1000) * 2, 6);
  expect(column(sweepRow, 'currency')).toBe('USD');
  const trainSeconds = recorded.cells.reduce((sum, cell) => sum + cell.compute!.train.seconds, 0);
  expect(Number(column(sweepRow, 'train_seconds'))).toBeCloseTo(trainSeconds, 2);
  expect(csv.filter((row) => row[0] === 'data-product').map((row) => column(row, 'stage'))).toEqual(['generate', 'revise']);
  expect(csv.filter((row) => row[0] === 'cell')).toHaveLength(2);
  const markdown = await readFile(join(outDir, 'cost.md'), 'utf8');
  expect(markdown).toContain(`| scripted | ${served.generate.requests + served.revise.requests} |`);
  expect(markdown).toMatch(/\| cpu \| 2 \| /);

  // `sweep status`'s running totals read the same records.
  const lines = await costSoFarLines(input.sweepId, workers.store.root);
  expect(lines[0]).toContain(`(1 data products and 2/2 cells recorded): ${served.generate.requests + served.revise.requests} LLM requests`);
  expect(lines[0]).toMatch(/price \d+\.\d{4} USD$/);
  expect(lines[1]).toMatch(/^ {2}cpu: 2 cells trained, train \d/);
}, 600_000);
