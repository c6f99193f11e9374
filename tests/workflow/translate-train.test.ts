/**
 * Translate-train against a real Temporal dev server and worker, with the real ML CLI on a tiny
 * model and a scripted LLM: the English SST-5 source rows and the kept generations are each
 * translated once into Swahili, as shared data products (the translated source is used by two
 * cells, SRC-TT and SRC+GEN-TT); rows
 * keep their labels and say which source row and request they came from; copies of the source are
 * dropped and counted; a second start reuses everything (no translation request, no training).
 */
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticRowSchema } from '../../src/activities/rows';
import { parseSweepConfig } from '../../src/config/load';
import { planSweep } from '../../src/config/plan';
import { readSplit } from '../../src/data/readers';
import { getDatasetSpec } from '../../src/data/registry';
import type { CompletionRequest } from '../../src/llm/types';
import { hashOf } from '../../src/shared/hash';
import { TASK_QUEUES } from '../../src/shared/constants';
import { dataProductWorkflowId, sweepWorkflowId } from '../../src/shared/workflow-ids';
import { sweepWorkflow, type SweepInput } from '../../src/workflows/sweep';
import { createScriptedModel } from '../helpers/scripted-model';
import { buildTinyModel, dataRoot, type InProcessWorkers, recordedResults, startInProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

const { temporal: protos } = proto;
let temporal: TestTemporal;
let tinyModel: string;
let workers: InProcessWorkers;

/**
 * A translation request gets each numbered item back prefixed with "Tafsiri:", except the first
 * of every batch, which comes back unchanged (a copy: dropped); a generation request gets four
 * distinct English lines for the label it asks for.
 */
function scriptedReply(request: CompletionRequest, index: number): string {
  const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
  if (user.includes('Translate each of the')) {
    const items = [...user.matchAll(/^(\d+)\. (.*)$/gmu)].map((match) => [match[1], match[2]] as const);
    return ['Hapa kuna tafsiri:', ...items.map(([number, text]) => (number === '1' ? `1. ${text}` : `${number}. Tafsiri: ${text}`))].join('\n');
  }
  const label = /whose sentiment is "([^"]+)"/.exec(user)?.[1] ?? 'unknown';
  return Array.from({ length: 4 }, (_, line) => `A ${label} movie review, number ${index * 10 + line}, about the plot.`).join('\n');
}
const model = createScriptedModel(scriptedReply);

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-translate-');
  tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  // Two GPU slots, as two GPU workers: the five cells' trainers start two at a time (most of a
  // cell's time here is Python importing torch, on one core).
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

const isTranslationRequest = (request: CompletionRequest) => request.messages.some((message) => message.content.includes('Translate each of the'));

describe('translate-train sweep', () => {
  it('translates the source rows and the generations once, shares them between cells, and reuses them on resume', async () => {
    const training = { model: tinyModel, method: 'linear-probe', batchSize: 8, maxLength: 32, devPerLabel: 2, threads: 1, heartbeatTimeoutSeconds: 60 };
    const config = parseSweepConfig(
      {
        name: 'translate-test',
        tasks: [{ dataset: 'sst5', description: 'movie reviews', evaluation: { dataset: 'sentiment', languages: ['sw'] } }],
        languages: ['en'],
        strategies: ['TaskOnly'],
        generators: [{ name: 'scripted', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', threads: 1 } }],
        seeds: [1],
        generation: { samplesPerLabel: 4, samplesPerRequest: 4, maxRequestsPerLabel: 2 },
        selection: { perLabel: 3, embedding: { model: tinyModel, clustersPerLabel: 2, maxLength: 32 }, sourcePerLabel: 3 },
        baselines: ['SRC', 'SRC+GEN'],
        translate: { translator: 'scripted', languages: ['sw'], inputs: ['source', 'generations'], sourcePerLabel: 4, textsPerRequest: 5, promptSha256: 'c'.repeat(64) },
        training,
        goldBaseline: false,
        concurrency: { dataProducts: 2, cells: 4 },
      },
      'translate-train test config',
    );
    // The pre-flight fills in the prompt's sha256; here it is the file's own.
    const { sha256Of } = await import('../../src/artifacts/store');
    const { readFile } = await import('node:fs/promises');
    const promptSha256 = sha256Of((await readFile(join(__dirname, '../../prompts/translate/translate.v1.md'))).toString('utf8'));
    const withSha = { ...config, translate: { ...config.translate!, promptSha256 } };
    const datasets = { sst5: getDatasetSpec('sst5'), sentiment: getDatasetSpec('sentiment') };
    const input: SweepInput = { sweepId: sweepWorkflowId(config.name), config: withSha, configHash: hashOf(withSha), dataRoot, datasets };
    const plan = planSweep(withSha);
    const translated = plan.dataProducts.filter((product) => product.kind === 'translate');
    expect(translated.map((product) => product.key.split('.').slice(0, 4).join('.'))).toEqual(['sst5.sw.Translated.src', 'sst5.sw.Translated.gen']);
    // Two cells draw on the one translated source product.
    expect(plan.cells.filter((cell) => cell.translatedSourceKey === translated[0]?.key).map((cell) => cell.trainingSet?.role)).toEqual(['SRC-TT', 'SRC+GEN-TT']);

    const summary = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    expect(summary.failed).toEqual([]);
    // rand · prompt, SRC+GEN, SRC, and the twins SRC-TT and SRC+GEN-TT.
    expect(summary.cells).toEqual({ total: 5, completed: 5, failed: 0, reused: 0 });
    expect(summary.dataProducts).toEqual({ total: 3, completed: 3, failed: 0 });
    for (const product of translated) expect(await activityCount(dataProductWorkflowId(input.sweepId, product.key), 'translateRows')).toBe(1);
    const translationRequests = model.requests.filter(isTranslationRequest).length;
    // 4 source rows per label × 3 labels in batches of 5, and the 12 kept generations in batches of 5.
    expect(translationRequests).toBe(3 + 3);

    const results = await recordedResults(workers.store, summary);
    const sourceRows = new Map((await readSplit(getDatasetSpec('sst5'), { dataRoot, language: 'en', split: 'train' })).map((example) => [example.id, example]));
    for (const spec of translated) {
      const record = results.dataProducts.find((product) => product.key === spec.key);
      expect(record?.translated).toMatchObject({ sourceLanguage: 'en', translator: 'scripted', promptSha256, sourceRows: 12 });
      // The first item of each of the 3 batches came back as a copy.
      expect(record?.translated?.droppedByReason).toEqual({ empty: 0, garbled: 0, unchanged: 3, wrong_script: 0 });
      expect(record?.usage?.translate?.requests).toBe(3);
      const rows = await workers.store.readJsonl(record!.dataset, syntheticRowSchema);
      expect(rows).toHaveLength(9);
      for (const row of rows) {
        expect(row.id.startsWith(`${spec.key}/`)).toBe(true);
        expect(row.text.startsWith('Tafsiri: ')).toBe(true);
        expect(row.generator).toBe('scripted');
        const origin = row.origin;
        if (origin?.kind !== 'translation') throw new Error(`row ${row.id} has origin ${JSON.stringify(origin)}`);
        expect(origin.requestIndex).toBeGreaterThanOrEqual(0);
        expect(origin.requestIndex).toBeLessThan(3);
        if (spec.from.kind === 'source') {
          const source = sourceRows.get(origin.sourceRowId);
          expect(source, `source row ${origin.sourceRowId}`).toBeDefined();
          expect(row.label).toBe(source?.label);
          expect(row.labelSource).toBe('gold');
          expect(origin.sourceProductKey).toBeUndefined();
        } else {
          expect(origin.sourceProductKey).toBe(spec.from.productKey);
          // A generation's id is `<product key>/<label>-…`; its translation keeps the prompt's label.
          expect(origin.sourceRowId.startsWith(`${spec.from.productKey}/`)).toBe(true);
          expect(row.labelSource).toBe('prompt');
        }
      }
    }

    const twins = results.cells.filter((cell) => cell.trainingSet?.role.endsWith('-TT'));
    expect(twins.map((cell) => cell.trainingSet?.role).sort()).toEqual(['SRC+GEN-TT', 'SRC-TT']);
    for (const cell of twins) {
      expect(cell.evaluation).toMatchObject({ dataset: 'sentiment', language: 'sw', scoredLabels: ['negative', 'positive'] });
      // 9 translated source rows kept, 3 per label at most (selection.sourcePerLabel); generations 3 per label at most.
      expect(cell.trainingSet?.sourceSize).toBeGreaterThan(0);
      if (cell.trainingSet?.role === 'SRC-TT') expect(cell.trainingSet.syntheticSize).toBe(0);
      else expect(cell.trainingSet?.syntheticSize).toBeGreaterThan(0);
    }

    // A second start reuses every product and cell: no translation request, no training.
    const again = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    expect(again.cells.reused).toBe(5);
    expect(again.trainings).toBe(0);
    expect(model.requests.filter(isTranslationRequest).length).toBe(translationRequests);
  }, 600_000);
});
