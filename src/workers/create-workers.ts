/**
 * Builds the two workers of one process: `cpu` (workflows, LLM calls, data stages) and `gpu`
 * (training and prediction, one activity at a time so runs never share a device).
 */
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createCpuActivities, createGpuActivities, type ActivityDeps } from '../activities';
import { repoRoot } from '../infra/paths';
import { TASK_QUEUES } from '../shared/constants';

export type QueueName = keyof typeof TASK_QUEUES;

export interface CreateWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  queues?: QueueName[];
  workflowBundle?: WorkflowBundleWithSourceMap;
  maxConcurrentCpuActivities?: number;
  /**
   * Activities to register instead of the real ones, under the same names (the sweep-scale
   * benchmark's no-op worker and fast workflow tests); the CLI never passes these.
   */
  activities?: { cpu: object; gpu: object };
  maxConcurrentGpuActivities?: number;
  /**
   * Payload codecs and failure converter (src/infra/encryption/data-converter.ts); the workflow
   * bundle is built with its failure converter. Default: the SDK's, payloads in plain text.
   */
  dataConverter?: DataConverter;
  /**
   * After `shutdown()`, how long running activities may go on before they are cancelled: time for a
   * trainer told to stop to write its checkpoint and for the failure to reach the server.
   */
  shutdownGraceMs?: number;
  /** The name this worker gives the server (each activity task's `identity` in history); the SDK's `<pid>@<host>` by default. */
  identity?: string;
}

// From the repo root, not from this module: the compiled CLI runs this module from dist/, and the
// worker bundles the workflow sources themselves.
const workflowsPath = join(repoRoot, 'src', 'workflows', 'index.ts');

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/**
 * Bundles the workflow code once per process and failure converter: the sandbox converts the
 * workflow's own errors, so with encryption on its bundle holds the converter that encodes them.
 */
export function workflowBundle(failureConverterPath?: string): Promise<WorkflowBundleWithSourceMap> {
  const key = failureConverterPath ?? '';
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath,
      ...(failureConverterPath ? { failureConverterPath } : {}),
      logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
    });
    bundles.set(key, bundle);
  }
  return bundle;
}

export async function createWorkers(options: CreateWorkersOptions): Promise<Worker[]> {
  const queues = options.queues ?? ['cpu', 'gpu'];
  const workers: Worker[] = [];
  if (queues.includes('cpu')) {
    workers.push(
      await Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: TASK_QUEUES.cpu,
        ...(options.identity ? { identity: options.identity } : {}),
        workflowBundle: options.workflowBundle ?? (await workflowBundle(options.dataConverter?.failureConverterPath)),
        ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
        activities: options.activities?.cpu ?? createCpuActivities(options.deps),
        maxConcurrentActivityTaskExecutions: options.maxConcurrentCpuActivities ?? 8,
        shutdownGraceTime: options.shutdownGraceMs ?? 0,
      }),
    );
  }
  if (queues.includes('gpu')) {
    workers.push(
      await Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: TASK_QUEUES.gpu,
        ...(options.identity ? { identity: options.identity } : {}),
        ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
        activities: options.activities?.gpu ?? createGpuActivities(options.deps),
        maxConcurrentActivityTaskExecutions: options.maxConcurrentGpuActivities ?? 1,
        shutdownGraceTime: options.shutdownGraceMs ?? 0,
      }),
    );
  }
  return workers;
}

/** Runs the workers until `until` settles (or forever), then shuts them down. */
export async function runWorkers<T>(workers: Worker[], until?: Promise<T>): Promise<T | undefined> {
  if (!until) {
    await Promise.all(workers.map((worker) => worker.run()));
    return undefined;
  }
  const [first, ...rest] = workers;
  if (!first) return until;
  // runUntil on one worker, and shut the others down when it returns.
  const others = rest.map((worker) => worker.run());
  try {
    return await first.runUntil(until);
  } finally {
    for (const worker of rest) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(others);
  }
}
