/**
 * The data product's quota counts KEPT samples (accepted by the judge, unique, no leak): against a
 * real Temporal dev server, with a scripted LLM whose judge rejects some candidates, the product
 * generates, judges and dedupes in rounds until every label has its quota, records a shortfall
 * when a label reaches its request cap first, and a round whose generation fails midway resumes
 * after its last finished request.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import { planSweep } from '../../src/config/plan';
import { getDatasetSpec } from '../../src/data/registry';
import { createScriptedModel } from '../helpers/scripted-model';
import type { CompletionRequest } from '../../src/llm/types';
import { TASK_QUEUES } from '../../src/shared/constants';
import type { DataProductResult } from '../../src/artifacts/results';
import { dataProductWorkflow } from '../../src/workflows/data-product';
import { dataRoot, startInProcessWorkers, testSweepConfig, type InProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

const JUDGE_MARKER = 'Start your reply with the single word Yes or No';
const labels = getDatasetSpec('sib200').labels;

let temporal: TestTemporal;
let workers: InProcessWorkers;
/** Labels whose every candidate the judge rejects. */
let hopelessLabels: string[] = [];
/** Generation requests (counted from 1) that fail once, as a crashed request would. */
let failingGenerations = new Set<number>();
let generations = 0;

const isJudgeRequest = (request: CompletionRequest) => request.messages.some((message) => message.content.includes(JUDGE_MARKER));

/** Four distinct Welsh lines per generation request; the judge rejects every text whose number is a multiple of 3. */
function scriptedReply(request: CompletionRequest, index: number): string {
  const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
  if (isJudgeRequest(request)) {
    const text = /Text: (.*)/.exec(user)?.[1] ?? '';
    const number = Number(/rif (\d+)/.exec(text)?.[1]);
    const hopeless = hopelessLabels.some((label) => text.includes(` ${label} `));
    return hopeless || number % 3 === 0 ? 'No, it does not fit.' : 'Yes, it fits the topic.';
  }
  generations += 1;
  if (failingGenerations.delete(generations)) throw new Error(`scripted outage on generation request ${generations}`);
  const label = /whose topic is "([^"]+)"/.exec(user)?.[1] ?? 'unknown';
  return ['Here are the texts:', ...Array.from({ length: 4 }, (_, line) => `${line + 1}. Mae'r testun ${label} hwn yn sôn am rif ${index * 10 + line} yng Nghymru.`)].join(
    '\n',
  );
}
const model = createScriptedModel(scriptedReply);

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-quota-');
  workers = await startInProcessWorkers(temporal, model);
});

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
});

function productFor(name: string, generation: { samplesPerLabel: number; maxRequestsPerLabel: number }) {
  const config = testSweepConfig({
    tinyModel: '/unused/no/training/here',
    name,
    seeds: [1],
    goldBaseline: false,
    generation: { ...generation, samplesPerRequest: 4, demosPerLabel: 3 },
    selection: { perLabel: 1 },
  });
  const product = planSweep(config).dataProducts[0]!;
  return { sweepId: `sweep/${name}`, dataRoot, dataset: getDatasetSpec('sib200'), product };
}

/** Runs the product workflow; returns the result it recorded and how many generation requests the LLM received. */
async function runProduct(input: ReturnType<typeof productFor>): Promise<{ result: DataProductResult; generationRequests: number }> {
  const generationsBefore = generations;
  const outcome = await temporal.client.workflow.execute(dataProductWorkflow, {
    workflowId: `${input.sweepId}/data/${input.product.key}`,
    taskQueue: TASK_QUEUES.cpu,
    args: [input],
  });
  const result = (await sweepRecordsOf(workers.store).readDataProducts(input.sweepId)).get(outcome.key);
  if (!result) throw new Error(`no record of data product ${outcome.key} in ${input.sweepId}`);
  return { result, generationRequests: generations - generationsBefore };
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
const rowSchema = z.looseObject({ label: z.string(), text: z.string() });
const numberOf = (text: string) => Number(/rif (\d+)/.exec(text)?.[1]);

describe('data product quota of kept samples', () => {
  it('generates, judges and dedupes in rounds until every label keeps its quota', async () => {
    hopelessLabels = [];
    const { result, generationRequests } = await runProduct(productFor('quota-met', { samplesPerLabel: 6, maxRequestsPerLabel: 10 }));

    expect(result.counts.kept).toEqual(Object.fromEntries(labels.map((label) => [label, 6])));
    expect(total(result.counts.shortfall)).toBe(0);
    expect(total(result.counts.rejectedByJudge)).toBeGreaterThan(0);
    // One pass would have kept only the candidates the judge accepted out of the first 6 per label.
    expect(result.rounds).toBeGreaterThanOrEqual(2);
    for (const label of labels) expect(result.counts.requested[label]).toBeLessThanOrEqual(10);
    expect(generationRequests).toBe(total(result.counts.requested));

    const kept = await workers.store.readJsonl(result.dataset, rowSchema);
    expect(kept).toHaveLength(6 * labels.length);
    expect(kept.filter((row) => numberOf(row.text) % 3 === 0)).toEqual([]);
    expect(new Set(kept.map((row) => row.text)).size).toBe(kept.length);
    // Provenance across rounds: every request and every rejected candidate is in one artifact each.
    expect(await workers.store.readJsonl(result.requests!, z.looseObject({ label: z.string(), reply: z.string() }))).toHaveLength(total(result.counts.requested));
    const rejects = await workers.store.readJsonl(result.rejects!, rowSchema);
    expect(rejects).toHaveLength(total(result.counts.rejectedByJudge));
    expect(rejects.every((row) => numberOf(row.text) % 3 === 0)).toBe(true);
  });

  it('records the shortfall of a label whose request cap runs out before its quota is kept', async () => {
    hopelessLabels = ['sports'];
    const { result } = await runProduct(productFor('quota-short', { samplesPerLabel: 5, maxRequestsPerLabel: 3 }));

    expect(result.counts.requested.sports).toBe(3);
    expect(result.counts.kept.sports).toBe(0);
    expect(result.counts.shortfall.sports).toBe(5);
    expect(result.counts.rejectedByJudge.sports).toBe(result.counts.unique.sports);
    for (const label of labels.filter((name) => name !== 'sports')) {
      expect(result.counts.kept[label]).toBe(5);
      expect(result.counts.shortfall[label]).toBe(0);
    }
  });

  it('resumes a round whose generation failed midway after its last finished request', async () => {
    hopelessLabels = [];
    failingGenerations = new Set([generations + 5]);
    const { result, generationRequests } = await runProduct(productFor('quota-resume', { samplesPerLabel: 4, maxRequestsPerLabel: 10 }));

    expect(failingGenerations.size, 'the scripted outage happened').toBe(0);
    expect(total(result.counts.shortfall)).toBe(0);
    // The failed request is the only one made twice: the retry did not start the round over.
    expect(generationRequests).toBe(total(result.counts.requested) + 1);
  });
});
