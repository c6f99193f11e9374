/**
 * Study D end to end against a real Temporal dev server and worker, with the real ML CLI on a tiny
 * model and a scripted LLM: one teacher trained once on SST-5 source rows, its predictions (per
 * epoch) and the embeddings computed once for the one data product, and every selection method
 * with the teacher's soft labels and the baselines SRC, GEN and SRC+GEN (the prompt's labels) scored on German and Swahili binary sentiment
 * over the shared labels. Cells that differ only in evaluation language share their training run.
 */
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSweepConfig } from '../../src/config/load';
import { getDatasetSpec } from '../../src/data/registry';
import type { CompletionRequest } from '../../src/llm/types';
import { hashOf } from '../../src/shared/hash';
import { TASK_QUEUES } from '../../src/shared/constants';
import { cellWorkflowId, dataProductWorkflowId, sweepWorkflowId, teacherWorkflowId } from '../../src/shared/workflow-ids';
import { sweepWorkflow, type SweepInput } from '../../src/workflows/sweep';
import { createScriptedModel } from '../helpers/scripted-model';
import { buildTinyModel, dataRoot, type InProcessWorkers, recordedResults, startInProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

const { temporal: protos } = proto;
let temporal: TestTemporal;
let tinyModel: string;
let workers: InProcessWorkers;

/** Distinct English review lines for whichever label the prompt asks for. */
function scriptedReply(request: CompletionRequest, index: number): string {
  const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
  const label = /whose sentiment is "([^"]+)"/.exec(user)?.[1] ?? 'unknown';
  return Array.from({ length: 4 }, (_, line) => `A ${label} movie review, number ${index * 10 + line}, about the plot.`).join('\n');
}
const model = createScriptedModel(scriptedReply);

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-study-d-');
  tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  // Two GPU slots, as two GPU workers: two cells' Python trainers start at once (most of a cell's
  // time here is Python importing torch, on one core); when the two cells of one training run start
  // together, the trainer's run lock keeps it to one training.
  workers = await startInProcessWorkers(temporal, model, { gpuSlots: 2 });
});

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
});

async function activityCount(workflowId: string, activityType: string): Promise<number> {
  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter(
    (event) => event.eventType === protos.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && event.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
  ).length;
}

/** The attempt each `activityType` activity of the workflow finished in (1 when it never had to retry). */
async function finishingAttempts(workflowId: string, activityType: string): Promise<number[]> {
  const events = (await temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = new Set(
    events
      .filter((event) => event.eventType === protos.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && event.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
      .map((event) => String(event.eventId)),
  );
  return events
    .filter((event) => event.eventType === protos.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && scheduled.has(String(event.activityTaskStartedEventAttributes?.scheduledEventId)))
    .map((event) => event.activityTaskStartedEventAttributes?.attempt ?? 0);
}

describe('study D sweep', () => {
  it('trains the teacher once, annotates the data product once, and runs every method × label kind and the baselines', async () => {
    const training = { model: tinyModel, lr: 0.001, batchSize: 8, maxLength: 32, maxEpochs: 2, patience: 2, devPerLabel: 2, threads: 1, minSteps: 0, heartbeatTimeoutSeconds: 60 };
    const config = parseSweepConfig(
      {
        name: 'study-d-test',
        tasks: [{ dataset: 'sst5', description: 'movie reviews', evaluation: { dataset: 'sentiment', languages: ['de', 'sw'] } }],
        languages: ['en'],
        strategies: ['TaskOnly'],
        generators: [{ name: 'scripted', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', threads: 1 } }],
        seeds: [1],
        generation: { samplesPerLabel: 8, samplesPerRequest: 4, maxRequestsPerLabel: 3 },
        teacher: { training, perLabel: 6 },
        annotation: { annotators: ['prompt', 'teacher'] },
        selection: {
          perLabel: 3,
          methods: ['rand', 'top', 'div', 'easy', 'amb'],
          labels: ['teacher-soft'],
          embedding: { model: tinyModel, clustersPerLabel: 2, maxLength: 32 },
          withSource: true,
          sourcePerLabel: 2,
        },
        baselines: ['SRC', 'GEN', 'SRC+GEN'],
        training,
        goldBaseline: false,
        concurrency: { dataProducts: 2, cells: 4 },
      },
      'study-d test config',
    );
    const datasets = { sst5: getDatasetSpec('sst5'), sentiment: getDatasetSpec('sentiment') };
    const input: SweepInput = { sweepId: sweepWorkflowId(config.name), config, configHash: hashOf(config), dataRoot, datasets };

    const summary = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    expect(summary.failed).toEqual([]);
    // (5 methods × the teacher's soft labels + GEN + SRC+GEN) × 2 evaluation languages + SRC × 2.
    expect(summary.cells).toEqual({ total: 16, completed: 16, failed: 0, reused: 0 });
    expect(summary.teachers).toEqual({ total: 1, completed: 1, failed: 0, trainings: 1, inferences: 1 });
    // 8 training sets, each trained once and scored in both languages.
    expect(summary.trainings).toBe(8);

    const results = await recordedResults(workers.store, summary);
    const [product] = results.dataProducts;
    expect(product?.annotation?.teacherProbabilities).toBeDefined();
    expect(product?.annotation?.agreement?.kappa).toEqual(expect.any(Number));
    expect(Object.keys(product?.annotation?.agreement?.byLabel ?? {}).sort()).toEqual(['negative', 'neutral', 'positive']);
    const teacherKey = product?.annotation?.teacherKey as string;
    expect(await activityCount(teacherWorkflowId(input.sweepId, teacherKey), 'fineTune')).toBe(1);
    expect(await activityCount(dataProductWorkflowId(input.sweepId, product!.key), 'annotateWithModels')).toBe(1);

    const roles = new Map<string, number>();
    for (const cell of results.cells) {
      const role = cell.trainingSet?.role === 'method' ? `${cell.trainingSet.method}.${cell.trainingSet.labels}` : (cell.trainingSet?.role ?? 'none');
      roles.set(role, (roles.get(role) ?? 0) + 1);
      expect(cell.evaluation).toMatchObject({ dataset: 'sentiment', scoredLabels: ['negative', 'positive'] });
      if (cell.trainingSet?.role !== 'SRC') {
        expect(cell.trainingSet?.diversity).toEqual(expect.any(Number));
        expect(cell.trainingSet?.classBalance?.counts).toHaveLength(3);
      }
    }
    expect(Object.fromEntries(roles)).toEqual({
      ...Object.fromEntries(['rand', 'top', 'div', 'easy', 'amb'].map((method) => [`${method}.teacher-soft`, 2])),
      SRC: 2,
      GEN: 2,
      'SRC+GEN': 2,
    });
    const src = results.cells.find((cell) => cell.trainingSet?.role === 'SRC');
    expect(src?.trainingSet).toMatchObject({ syntheticSize: 0, sourceSize: 6 });
    const gen = results.cells.find((cell) => cell.trainingSet?.role === 'GEN');
    expect(gen?.trainingSet).toMatchObject({ syntheticSize: 9, sourceSize: 0 });
    const method = results.cells.find((cell) => cell.trainingSet?.role === 'method');
    expect(method?.trainingSet).toMatchObject({ syntheticSize: 9, sourceSize: 6 });
    // The two languages of one training set share the trained model.
    const byTraining = new Map<string, Set<string>>();
    for (const cell of results.cells) byTraining.set(cell.key.replace(/→[a-z]+\./, '.'), (byTraining.get(cell.key.replace(/→[a-z]+\./, '.')) ?? new Set()).add(cell.modelDir));
    expect([...byTraining.values()].every((dirs) => dirs.size === 1)).toBe(true);
    // Two cells of one training run at once each scored on their own test split, first time.
    for (const cell of results.cells) expect(await finishingAttempts(cellWorkflowId(input.sweepId, cell.key), 'fineTuneAndEvaluate'), cell.key).toEqual([1]);

    // A second start of the same sweep reuses everything: no teacher training, no annotation, no cell.
    const again = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: `${input.sweepId}`, taskQueue: TASK_QUEUES.cpu, args: [input] });
    expect(again.cells.reused).toBe(16);
    expect(again.trainings).toBe(0);
  }, 1_500_000);
});
