/**
 * End to end with every real component: a Temporal dev server, workers, the packaged SmolLM2
 * GGUF through node-llama-cpp generating and judging, and the Python trainer on a tiny encoder,
 * on real SIB-200 data.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { TASK_QUEUES } from '../../src/shared/constants';
import { sweepWorkflow } from '../../src/workflows/sweep';
import { buildTinyModel, recordedResults, startInProcessWorkers, sweepInput, testSweepConfig, type InProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let workers: InProcessWorkers;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-e2e-');
  workers = await startInProcessWorkers(temporal, undefined);
});

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
});

it('runs a tiny sweep on the real local LLM and the real trainer', async () => {
  const tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  const config = testSweepConfig({
    tinyModel,
    name: 'e2e',
    languages: ['cy'],
    strategies: ['TargetDemos', 'TargetDemos+Revision'],
    seeds: [1],
    goldBaseline: true,
    generation: {
      samplesPerLabel: 2,
      samplesPerRequest: 3,
      maxRequestsPerLabel: 1,
      demosPerLabel: 3,
      demoMaxWords: 30,
      minChars: 10,
      maxChars: 200,
      sampling: { temperature: 0.4, topP: 0.9, repetitionPenalty: 1.2, maxTokens: 96 },
    },
    revision: { concurrency: 2, sampling: { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 24 } },
    selection: { perLabel: 2 },
    // One product at a time, so the second reuses the first one's generations.
    concurrency: { dataProducts: 1, cells: 1 },
  });
  const input = sweepInput(config);
  const summary = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
  const result = await recordedResults(workers.store, summary);

  expect(result.dataProducts).toHaveLength(2);
  const byStrategy = (name: string) => result.dataProducts.find((product) => product.key.includes(`.${name}.`));
  const plain = byStrategy('TargetDemos');
  const revised = byStrategy('TargetDemos+Revision');
  expect(plain).toBeDefined();
  expect(revised).toBeDefined();
  // Both products asked the real model for every label once; the second reused those generations.
  expect(Object.values(plain!.counts.requested).every((count) => count === 1)).toBe(true);
  expect(Object.values(plain!.counts.parsed).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  const judged = Object.values(revised!.counts.unique).reduce((sum, count) => sum + count, 0);
  // Generation requests (7) plus one judge call per candidate in the script check's expected script.
  expect(summary.llmCalls).toBeGreaterThanOrEqual(7);
  expect(summary.llmCalls).toBeLessThanOrEqual(7 + judged);

  // Every generated request keeps its provenance.
  const requests = await workers.store.readJsonl(plain!.requests!, z.looseObject({ label: z.string(), reply: z.string(), model: z.string(), sampling: z.looseObject({}) }));
  expect(requests).toHaveLength(7);
  expect(requests.every((request) => request.reply.length > 0)).toBe(true);

  const gold = result.cells.find((cell) => cell.kind === 'gold');
  expect(gold?.trainSize).toBe(14);
  const plainCell = result.cells.find((cell) => cell.strategy === 'TargetDemos');
  expect(plainCell, JSON.stringify(result.failed)).toBeDefined();
  expect(plainCell!.trainSize).toBeGreaterThan(0);
  for (const cell of result.cells) {
    expect(cell.accuracy).toBeGreaterThanOrEqual(0);
    expect(cell.accuracy).toBeLessThanOrEqual(1);
  }
  console.log(
    `e2e: llm_calls=${summary.llmCalls} trainings=${summary.trainings} cells=${result.cells.length} failed=${summary.failedTotal} ` +
      `kept=${JSON.stringify(plain!.counts.kept)} judge_rejected=${JSON.stringify(revised!.counts.rejectedByJudge)}`,
  );
}, 900_000);
