/**
 * Builds the two workers of one process: `cpu` (workflows, LLM calls, data stages) and `gpu`
 * (training and prediction, one activity at a time so runs never share a device).
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createCpuActivities, createGpuActivities, type ActivityDeps } from '../activities';
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
   * After `shutdown()`, how long running activities may go on before they are cancelled: time for a
   * trainer told to stop to write its checkpoint and for the failure to reach the server.
   */
  shutdownGraceMs?: number;
}

const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let bundlePromise: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundles the workflow code once per process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundlePromise ??= bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } });
  return bundlePromise;
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
        workflowBundle: options.workflowBundle ?? (await workflowBundle()),
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
