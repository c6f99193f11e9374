/**
 * Study B: LLM classifier cells and the size axis in a sweep, against a real Temporal dev server, with the scripted
 * model answering each test row. They train nothing, ask once per test row at the provider's
 * concurrency, and record macro-F1, accuracy and the rate of answers outside the labels.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { TASK_QUEUES } from '../../src/shared/constants';
import { sweepWorkflow } from '../../src/workflows/sweep';
import type { CompletionRequest } from '../../src/llm/types';
import { createScriptedModel } from '../helpers/scripted-model';
import { buildTinyModel, type InProcessWorkers, recordedResults, startInProcessWorkers, sweepInput, testSweepConfig, welshLines } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { join } from 'node:path';

let temporal: TestTemporal;
let workers: InProcessWorkers;
let tinyModel: string;

/**
 * Classification requests (they carry `choices`): free text, outside the labels, for texts of an odd
 * length, else the first listed label in capitals with a full stop (which the strict parse accepts).
 * Generation and judge requests get Welsh lines and a Yes.
 */
function reply(request: CompletionRequest, index: number): string {
  const user = request.messages.at(-1)?.content ?? '';
  if (request.choices === undefined) return user.includes('single word Yes or No') ? 'Yes' : welshLines(request, index);
  const text = /^Text: (.*)$/mu.exec(user.slice(user.lastIndexOf('Text: ')))?.[1] ?? '';
  if (text.length % 2 === 1) return 'I think this is about many things';
  const first = /^- (.+)$/mu.exec(user)?.[1] ?? 'unknown';
  return ` ${first.toUpperCase()}.\n`;
}
const model = createScriptedModel(reply, { concurrency: 3, latencyMs: 5 });

beforeAll(async () => {
  temporal = await startTestTemporal();
  tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  workers = await startInProcessWorkers(temporal, model);
});

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
});

it('runs zero-shot and in-context classifier cells over the whole test split and sized synthetic and gold cells, and records their scores', async () => {
  const config = testSweepConfig({
    tinyModel,
    name: 'classifiers',
    goldBaseline: true,
    seeds: [1],
    // Study B's size axis beside the classifiers: 14 rows (2 per class of 7), two repeats, synthetic and gold.
    selection: { perLabel: 3, sizes: [14], repeats: 2 },
    classifiers: [
      { generator: 'scripted', mode: 'zero-shot' },
      { generator: 'scripted', mode: 'in-context', examplesPerLabel: 2, seed: 3 },
    ],
  });
  const input = sweepInput(config);
  const summary = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
  expect(summary.failed).toEqual([]);
  const results = await recordedResults(workers.store, summary);
  const classifiers = results.cells.filter((cell) => cell.kind === 'classifier');
  expect(classifiers.map((cell) => cell.key).sort()).toEqual(['sib200.cy.llm.scripted.in-context-k2.s3', 'sib200.cy.llm.scripted.zero-shot.s0']);
  const classifyRequests = model.requests.filter((request) => request.choices !== undefined);
  for (const cell of classifiers) {
    const info = cell.classifier;
    if (info === undefined) throw new Error(`${cell.key} has no classifier record`);
    expect(cell.trainings).toBe(0);
    // The whole sib200 cy test split (204 rows), one logged request per row.
    expect(info.n).toBe(204);
    const lines = await workers.store.readJsonl(info.requests, z.object({ reply: z.string(), answer: z.string().nullable(), gold: z.string() }));
    expect(lines).toHaveLength(204);
    const outside = lines.filter((line) => line.answer === null);
    expect(outside.length).toBeGreaterThan(0);
    expect(outside.every((line) => line.reply.startsWith('I think'))).toBe(true);
    expect(info.outOfLabel).toBe(outside.length);
    expect(info.outOfLabelRate).toBeCloseTo(outside.length / 204, 12);
    expect(info.constraint).toBe('none');
    // Every answer inside the labels is the first label: accuracy is that label's share of the answered rows.
    const first = lines.find((line) => line.answer !== null)?.answer;
    const correct = lines.filter((line) => line.answer !== null && line.answer === line.gold).length;
    expect(lines.every((line) => line.answer === null || line.answer === first)).toBe(true);
    expect(cell.accuracy).toBeCloseTo(correct / 204, 12);
  }
  expect(classifyRequests).toHaveLength(2 * 204);
  expect(classifyRequests.every((request) => request.sampling.temperature === 0)).toBe(true);
  // In-context prompts carry 2 examples per class (7 classes), zero-shot prompts none.
  const inContext = classifyRequests.filter((request) => request.messages.at(-1)?.content.includes('Labelled examples:'));
  expect(inContext).toHaveLength(204);
  expect((inContext[0]?.messages.at(-1)?.content.match(/^Answer: /gmu) ?? []).length).toBe(14);
  expect(model.maxInFlight).toBeGreaterThan(1);
  const sized = results.cells.filter((cell) => cell.kind !== 'classifier');
  expect(sized.map((cell) => [cell.key, cell.seed, cell.size?.total, cell.size?.repeat]).sort()).toEqual([
    ['sib200.cy.TargetDemos+Revision.scripted.n14.r0.s1', 1, 14, 0],
    ['sib200.cy.TargetDemos+Revision.scripted.n14.r1.s1', 2, 14, 1],
    ['sib200.cy.gold.n14.r0.s1', 1, 14, 0],
    ['sib200.cy.gold.n14.r1.s1', 2, 14, 1],
  ]);
  for (const cell of sized) {
    // Every label has its 2 rows (the product keeps up to 4 per label), or the shortfall says which did not.
    const short = Object.values(cell.size?.shortfallByLabel ?? {}).reduce((sum, missing) => sum + missing, 0);
    expect(cell.trainSize + short, cell.key).toBe(14);
  }
  expect(sized.filter((cell) => cell.kind === 'gold').every((cell) => cell.trainSize === 14)).toBe(true);
  expect(summary.llmCalls).toBe(model.requests.length);
}, 600_000);
