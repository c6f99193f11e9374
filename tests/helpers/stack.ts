/**
 * Test wiring: a real dev server, in-process workers with a given model source, a tiny encoder
 * built by the real ML CLI, and sweep configs sized for tests.
 */
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { createModelSource, type ModelSource } from '../../src/activities/deps';
import { ArtifactStore } from '../../src/artifacts/store';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import { parseSweepConfig } from '../../src/config/load';
import type { CellSpec } from '../../src/config/plan';
import type { SweepConfigInput, TrainingSettings } from '../../src/config/schema';
import { getDatasetSpec } from '../../src/data/registry';
import type { LanguageModel } from '../../src/llm/types';
import { loadSweepResults, type SweepReportData } from '../../src/report/load-sweep';
import { hashOf } from '../../src/shared/hash';
import { sweepWorkflowId } from '../../src/shared/workflow-ids';
import { createWorkers, runWorkers } from '../../src/workers/create-workers';
import type { SweepInput, SweepResult } from '../../src/workflows/sweep';
import { cachedTinyModel, cachedWorkflowBundle } from './test-cache';
import type { TestTemporal } from './temporal';

export const dataRoot = join(import.meta.dirname, '..', '..', '..', 'shared', 'data');

/** A tiny random BERT with the packaged MiniLM tokenizer: real training in seconds (built once, see test-cache.ts). */
export function buildTinyModel(directory: string): string {
  return cachedTinyModel(directory);
}

/** A scripted LLM reply: four distinct Welsh lines per request, whatever was asked. */
export function welshLines(_request: unknown, index: number): string {
  return Array.from({ length: 4 }, (_, line) => `Testun rhif ${index * 10 + line} am y pwnc hwn yng Nghymru.`).join('\n');
}

export function testSweepConfig(overrides: Partial<SweepConfigInput> & { tinyModel: string }) {
  const { tinyModel, ...rest } = overrides;
  return parseSweepConfig(
    {
      name: 'test',
      tasks: [{ dataset: 'sib200' }],
      languages: ['cy'],
      strategies: ['TargetDemos+Revision'],
      generators: [{ name: 'scripted', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', threads: 1 } }],
      seeds: [1, 2],
      generation: { samplesPerLabel: 4, samplesPerRequest: 4, maxRequestsPerLabel: 2, demosPerLabel: 3 },
      revision: { concurrency: 4 },
      selection: { perLabel: 3 },
      training: { model: tinyModel, lr: 0.001, batchSize: 8, maxLength: 32, maxEpochs: 2, patience: 2, devPerLabel: 2, threads: 1, heartbeatTimeoutSeconds: 20 },
      concurrency: { dataProducts: 2, cells: 2 },
      ...rest,
    },
    'test config',
  );
}

/** Built-in specs without the config-time language check, so tests can reach runtime data errors. */
export function sweepInput(config: ReturnType<typeof testSweepConfig>): SweepInput {
  const datasets = Object.fromEntries(config.tasks.map((task) => [task.dataset, getDatasetSpec(task.dataset)]));
  return { sweepId: sweepWorkflowId(config.name), config, configHash: hashOf(config), dataRoot, datasets };
}

export interface InProcessWorkers {
  workers: Worker[];
  store: ArtifactStore;
  models: ModelSource;
  stop(): Promise<void>;
}

/**
 * Workers running in this process until `stop()`: one set per test file (a task queue takes one
 * worker per connection). `gpuSlots` above 1 stands for that many GPU workers.
 */
export async function startInProcessWorkers(temporal: TestTemporal, model: LanguageModel | undefined, options: { gpuSlots?: number } = {}): Promise<InProcessWorkers> {
  const store = new ArtifactStore(join(temporal.stateDir, 'artifacts'));
  const models = model ? createModelSource(() => model) : createModelSource();
  const workers = await createWorkers({
    connection: temporal.nativeConnection,
    namespace: 'default',
    deps: { store, models },
    workflowBundle: await cachedWorkflowBundle(temporal.dataConverter?.failureConverterPath),
    ...(options.gpuSlots === undefined ? {} : { maxConcurrentGpuActivities: options.gpuSlots }),
    ...(temporal.dataConverter ? { dataConverter: temporal.dataConverter } : {}),
  });
  const running = runWorkers(workers);
  return {
    workers,
    store,
    models,
    async stop() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await models.closeAll();
    },
  };
}

/** The per-cell and per-product results a finished sweep recorded beside its artifacts. */
export function recordedResults(store: ArtifactStore, summary: SweepResult): Promise<SweepReportData> {
  return loadSweepResults(sweepRecordsOf(store), summary.sweepId, summary.failed);
}

/** A gold-baseline cell of `task` in `language` (the planner's shape), to run `cellWorkflow` alone. */
export function goldCell(task: string, language: string, options: { seed: number; perLabel: number; training: TrainingSettings }): CellSpec {
  return {
    key: `${task}.${language}.gold.s${options.seed}`,
    kind: 'gold',
    task,
    language,
    strategy: 'gold',
    generator: 'gold',
    seed: options.seed,
    dataProductKey: undefined,
    perLabel: options.perLabel,
    training: options.training,
  };
}
