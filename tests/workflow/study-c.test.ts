/**
 * Study C end to end against a real Temporal dev server and worker, with the real ML CLI on a tiny
 * model and a scripted LLM: the Unlabelled strategy generates texts without a label, two LLM
 * annotators label them (and gold calibration rows) with confidences from log-probabilities, the
 * rows take the first one's labels (an answer outside the labels drops its row), the teacher
 * annotates too, and students train on synthetic only and on synthetic + gold in the warmup and
 * reverse regimes. The study C report reads the records.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticRowSchema } from '../../src/activities/rows';
import { parseSweepConfig } from '../../src/config/load';
import { getDatasetSpec } from '../../src/data/registry';
import type { CompletionRequest } from '../../src/llm/types';
import { studyCMarkdown, studyCProducts, studyCRows } from '../../src/report/study-c';
import { hashOf } from '../../src/shared/hash';
import { TASK_QUEUES } from '../../src/shared/constants';
import { sweepWorkflowId } from '../../src/shared/workflow-ids';
import { sweepWorkflow, type SweepInput } from '../../src/workflows/sweep';
import { createScriptedModel } from '../helpers/scripted-model';
import { buildTinyModel, dataRoot, type InProcessWorkers, recordedResults, startInProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let tinyModel: string;
let workers: InProcessWorkers;

const userOf = (request: CompletionRequest) => request.messages.find((message) => message.role === 'user')?.content ?? '';
const systemOf = (request: CompletionRequest) => request.messages.find((message) => message.role === 'system')?.content ?? '';
const isAnnotation = (request: CompletionRequest) => request.choices !== undefined;

/**
 * Generation: review lines that say "great" or "awful" (every fifth "so-so"). The first annotator
 * answers by that word and outside the labels for "so-so"; the second says positive for all.
 */
const SYLLABLES = ['ka', 'lo', 'mi', 'ret', 'sun', 'vo', 'zel', 'dri', 'pam', 'tor', 'quin', 'bex'];
/** A made-up word per number: texts that share no long substring, so near-duplicate removal keeps them. */
const word = (value: number) => Array.from({ length: 3 }, (_, position) => SYLLABLES[Math.floor(value / 12 ** position) % 12]).join('');
function scriptedReply(request: CompletionRequest, index: number): string {
  if (!isAnnotation(request)) {
    return Array.from({ length: 4 }, (_, line) => {
      const number = index * 4 + line;
      return `${word(number * 7 + 3)} ${word(number * 13 + 5)} ${word(number * 29 + 11)}: ${['great', 'awful', 'great', 'awful', 'so-so'][number % 5]}.`;
    }).join('\n');
  }
  if (systemOf(request).includes('second annotator')) return 'positive';
  const text = /Text: (.*)/.exec(userOf(request))?.[1] ?? '';
  if (text.includes('so-so')) return 'it is hard to say';
  if (text.includes('great')) return 'positive';
  if (text.includes('awful')) return 'negative';
  return 'negative';
}
const model = createScriptedModel(scriptedReply, { logprob: (request, text) => (text === 'positive' ? Math.log(0.9) : Math.log(0.6)) });

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-study-c-');
  tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  // Two GPU slots, as two GPU workers: the three cells' trainers start two at a time (most of a
  // cell's time here is Python importing torch, on one core).
  workers = await startInProcessWorkers(temporal, model, { gpuSlots: 2 });
});

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
});

describe('study C sweep', () => {
  it('generates unlabelled texts, annotates them with LLMs and the teacher, and trains in each regime', async () => {
    const training = { model: tinyModel, lr: 0.001, batchSize: 8, maxLength: 32, maxEpochs: 1, patience: 1, devPerLabel: 2, threads: 1, minSteps: 0, heartbeatTimeoutSeconds: 60 };
    const config = parseSweepConfig(
      {
        name: 'study-c-test',
        tasks: [{ dataset: 'sentiment', description: 'film reviews', evaluation: { dataset: 'sentiment', languages: ['sw'] } }],
        languages: ['en'],
        strategies: ['Unlabelled'],
        generators: [{ name: 'scripted', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', threads: 1 } }],
        seeds: [1],
        generation: { samplesPerLabel: 10, samplesPerRequest: 4, maxRequestsPerLabel: 4 },
        teacher: { training, perLabel: 4 },
        annotation: {
          annotators: ['prompt', 'teacher'],
          llmAnnotators: [
            { name: 'judge', generator: 'scripted' },
            { name: 'second', generator: 'scripted', prompt: 'tests/fixtures/prompts/second-annotator.v1.md' },
          ],
          labelFrom: 'judge',
          calibrationPerLabel: 3,
        },
        selection: { perLabel: 3, labels: ['prompt'], sourcePerLabel: 2, regimes: ['warmup', 'reverse'] },
        baselines: ['SRC+GEN'],
        training,
        goldBaseline: false,
        concurrency: { dataProducts: 1, cells: 3 },
      },
      'study-c test config',
    );
    const datasets = { sentiment: getDatasetSpec('sentiment') };
    const input: SweepInput = { sweepId: sweepWorkflowId(config.name), config, configHash: hashOf(config), dataRoot, datasets };

    const summary = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    expect(summary.failed).toEqual([]);
    expect(summary.cells).toEqual({ total: 3, completed: 3, failed: 0, reused: 0 });

    // Generation asked for texts without naming a label.
    const generations = model.requests.filter((request) => !isAnnotation(request));
    expect(generations.length).toBeGreaterThan(0);
    for (const request of generations) expect(userOf(request)).not.toMatch(/positive|negative/);

    const results = await recordedResults(workers.store, summary);
    const [product] = results.dataProducts;
    const llm = product?.llmAnnotation;
    expect(llm).toBeDefined();
    const rows = await workers.store.readJsonl(product!.dataset, syntheticRowSchema);
    const annotated = Object.values(llm!.asAnnotatedByLabel).reduce((sum, count) => sum + count, 0);
    // Every annotator labelled every generated row and every calibration row, once.
    const annotations = model.requests.filter(isAnnotation);
    expect(annotations).toHaveLength(2 * (annotated + llm!.droppedOutsideLabels + 6));
    expect(llm!.calibrationRows).toBe(6);
    expect(llm!.droppedOutsideLabels).toBeGreaterThan(0);
    expect(llm!.annotators.find((annotator) => annotator.name === 'judge')).toMatchObject({ constraint: 'none', outsideLabels: llm!.droppedOutsideLabels, withConfidence: annotated + llm!.droppedOutsideLabels + 6 });
    // The rows took the judge's labels; the "so-so" rows it could not label are gone.
    expect(rows).toHaveLength(annotated);
    for (const row of rows) {
      expect(row.labelSource).toBe('judge');
      expect(row.text.includes('so-so')).toBe(false);
      expect(row.label).toBe(row.text.includes('great') ? 'positive' : 'negative');
      expect(row.annotations?.['judge']).toEqual({ label: row.label, confidence: expect.closeTo(row.label === 'positive' ? 0.9 : 0.6, 6) });
      expect(row.annotations?.['second']?.label).toBe('positive');
    }
    // Agreement: the two LLM annotators on the product's rows, the teacher against the judge, each LLM annotator against gold.
    expect(llm!.pairs).toHaveLength(1);
    expect(llm!.pairs[0]).toMatchObject({ first: 'judge', second: 'second', unlabelled: llm!.droppedOutsideLabels });
    expect(llm!.pairs[0]!.overall).toBeCloseTo((llm!.asAnnotatedByLabel['positive'] ?? 0) / annotated, 6);
    expect(llm!.againstGold.map((pair) => [pair.first, pair.second, pair.rows + pair.unlabelled])).toEqual([
      ['judge', 'gold', 6],
      ['second', 'gold', 6],
    ]);
    expect(llm!.againstGold[1]!.overall).toBeCloseTo(0.5, 6);
    expect(product?.annotation?.agreement?.kappa).toEqual(expect.any(Number));

    // Students: synthetic only, and synthetic + gold in each regime.
    const byKey = Object.fromEntries(results.cells.map((cell) => [cell.key.replace(/^sentiment\.en\.Unlabelled\.scripted\./, ''), cell]));
    expect(Object.keys(byKey).sort()).toEqual(['SRC+GEN→sw.reverse.s1', 'SRC+GEN→sw.warmup.s1', 'rand.prompt→sw.s1']);
    expect(byKey['SRC+GEN→sw.warmup.s1']).toMatchObject({ regime: 'warmup', trainingSet: { sourceSize: 4, syntheticSize: 6 } });
    expect(byKey['SRC+GEN→sw.reverse.s1']?.regime).toBe('reverse');
    expect(byKey['rand.prompt→sw.s1']?.regime).toBeUndefined();

    const markdown = studyCMarkdown(studyCProducts(results.dataProducts), studyCRows(results.cells, results.dataProducts), summary.sweepId);
    expect(markdown).toContain('| judge × second |');
    expect(markdown).toContain('| judge × teacher |');
    expect(markdown).toContain('| second × gold | 6 | 0 | 50.0 |');
    expect(markdown).toContain('| synthetic (judge) + gold · warmup | 1 |');
    expect(markdown).toContain('| synthetic (judge) + gold · reverse | 1 |');
    expect(markdown).toContain('| synthetic only (judge) | 1 |');
  }, 600_000);
});
