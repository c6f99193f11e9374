/**
 * An NLI data product end to end on a real Temporal dev server: a dataset spec with
 * `columns.textPair` (xnli) generates `premise ||| hypothesis` pairs with the pairs prompt (named in
 * the config's prompt slot of the strategy), the judge sees both texts, dedupe and annotation keep
 * them as pairs, selection hands the trainer rows with `text_pair`, and a cell trains on them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { z } from 'zod';
import { createSelectActivity } from '../../src/activities/select';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import { sampleProvenanceLines } from '../../src/cli/sample-provenance';
import { planSweep } from '../../src/config/plan';
import { getDatasetSpec } from '../../src/data/registry';
import type { CompletionRequest } from '../../src/llm/types';
import { TASK_QUEUES } from '../../src/shared/constants';
import { cellWorkflow } from '../../src/workflows/cell';
import { dataProductWorkflow } from '../../src/workflows/data-product';
import { createScriptedModel } from '../helpers/scripted-model';
import { buildTinyModel, dataRoot, startInProcessWorkers, testSweepConfig, type InProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

const JUDGE_MARKER = 'Start your reply with the single word Yes or No';
const judged: string[] = [];

const userOf = (request: CompletionRequest) => request.messages.find((message) => message.role === 'user')?.content ?? '';

/** Three Swahili pairs per generation request (one repeated across requests, so dedupe has work); the judge accepts all. */
function scriptedReply(request: CompletionRequest, index: number): string {
  const user = userOf(request);
  if (user.includes(JUDGE_MARKER)) {
    judged.push(user);
    return 'Yes, the relation fits.';
  }
  const label = /to the premise is "([^"]+)"/.exec(user)?.[1] ?? 'unknown';
  return [
    'Hizi ni jozi:',
    `1. Mtoto wa ${label} namba ${index} anacheza mpira uwanjani. ||| Mtoto yuko nje leo.`,
    `2. Mwalimu wa ${label} namba ${index} anasoma kitabu darasani. ||| Mwalimu yuko shuleni.`,
    `3. Mama wa ${label} anapika chakula jikoni. ||| Kuna mtu jikoni.`,
  ].join('\n');
}
const model = createScriptedModel(scriptedReply);

let temporal: TestTemporal;
let workers: InProcessWorkers;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-pairs-');
  workers = await startInProcessWorkers(temporal, model);
}, 400_000);

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
}, 400_000);

const pairRowSchema = z.looseObject({ id: z.string(), label: z.string(), text: z.string(), textPair: z.string(), origin: z.unknown() });

it('generates, judges, dedupes, annotates, selects and trains NLI pairs as pairs', async () => {
  const tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  const config = testSweepConfig({
    tinyModel,
    name: 'pairs',
    tasks: [{ dataset: 'xnli' }],
    languages: ['sw'],
    seeds: [1],
    goldBaseline: false,
    strategies: ['TargetDemos+Revision'],
    generation: { samplesPerLabel: 4, samplesPerRequest: 3, maxRequestsPerLabel: 4, demosPerLabel: 2, prompts: { targetDemos: 'prompts/generate/pairs.v1.md' } },
    selection: { perLabel: 3 },
  });
  // xnli stores only dev files and its train split is carved out of them elsewhere (study D); this plumbing
  // test reads the Swahili file as train and test alike, so demos and the dev split have rows to come from.
  const xnli = getDatasetSpec('xnli');
  const dataset = { ...xnli, files: { train: xnli.files.test!, test: xnli.files.test! }, derivedSplits: undefined };
  const plan = planSweep(config);
  const product = plan.dataProducts[0]!;
  const sweepId = 'sweep/pairs';
  const outcome = await temporal.client.workflow.execute(dataProductWorkflow, {
    workflowId: `${sweepId}/data/${product.key}`,
    taskQueue: TASK_QUEUES.cpu,
    args: [{ sweepId, dataRoot, dataset, product }],
  });
  const result = (await sweepRecordsOf(workers.store).readDataProducts(sweepId)).get(outcome.key);
  expect(result).toBeDefined();

  // The pairs prompt asked for the reply format and showed real xnli pairs as demos in it.
  const generationPrompt = userOf(model.requests.find((request) => !userOf(request).includes(JUDGE_MARKER))!);
  expect(generationPrompt).toContain('premise ||| hypothesis');
  expect(generationPrompt).toMatch(/pairs with this relation:\n[^\n|]+ \|\|\| [^\n|]+\n/u);
  // The judge saw both texts of a pair.
  expect(judged.some((prompt) => /Premise: Mtoto wa .*\nHypothesis: Mtoto yuko nje leo\./u.test(prompt))).toBe(true);

  const kept = await workers.store.readJsonl(result!.dataset, pairRowSchema);
  expect(Object.values(result!.counts.kept)).toEqual(dataset.labels.map(() => 4));
  expect(kept).toHaveLength(4 * dataset.labels.length);
  // "Mama … jikoni ||| Kuna mtu jikoni." came back in every request: kept once per label at most.
  const keys = kept.map((row) => `${row.text}|${row.textPair}`);
  expect(new Set(keys).size).toBe(kept.length);
  for (const row of kept) expect(row.text).not.toContain('|||');

  // Each kept pair points at the request that generated it and carries the judge's verdict: `sweep show --sample` prints both.
  const first = kept[0]!;
  expect(first.origin).toMatchObject({ kind: 'request', label: first.label });
  const provenance = (await sampleProvenanceLines(workers.store, sweepId, product.key, first.id)).join('\n');
  expect(provenance).toContain(`origin: request ${(first.origin as { requestIndex: number }).requestIndex} for label "${first.label}"`);
  expect(provenance).toMatch(/model: .+\n    sampling: \{.*"temperature"/u);
  expect(provenance).toContain('premise ||| hypothesis');
  expect(provenance).toContain('judge: yes');

  const select = createSelectActivity({ store: workers.store, models: workers.models });
  const selected = await select({ dataRoot, dataset, language: 'sw', source: result!.dataset, perLabel: 3, devPerLabel: 2, seed: 1 });
  const trainRows = await workers.store.readJsonl(selected.train, z.strictObject({ id: z.string(), text: z.string(), text_pair: z.string(), label: z.string() }));
  expect(trainRows).toHaveLength(9);
  expect(trainRows.every((row) => kept.some((sample) => sample.text === row.text && sample.textPair === row.text_pair))).toBe(true);

  const cell = plan.cells[0]!;
  await temporal.client.workflow.execute(cellWorkflow, {
    workflowId: `${sweepId}/cell/${cell.key}`,
    taskQueue: TASK_QUEUES.cpu,
    args: [{ sweepId, dataRoot, cell, dataset, source: result!.dataset }],
  });
  const record = (await sweepRecordsOf(workers.store).readCells(sweepId)).get(cell.key);
  expect(record?.result.trainSize).toBe(9);
  expect(record?.result.trainings).toBe(1);
}, 600_000);
