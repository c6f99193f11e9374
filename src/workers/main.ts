/**
 * The worker process: serves the `cpu` and `gpu` task queues (or those named in
 * SYNTHLAB_QUEUES, e.g. `gpu` on a GPU node) until SIGINT/SIGTERM. SYNTHLAB_WORKER_IDENTITY names it
 * in the server's history (which worker ran which activity); SYNTHLAB_ARTIFACTS says where its
 * artifacts live (src/artifacts/location.ts).
 *
 * SIGTERM is a preemption notice (Slurm and Kubernetes send it before SIGKILL): the worker stops
 * taking tasks, tells its running trainers, which checkpoint the step they reached and exit, and
 * reports those attempts as failed (retryably), so that another worker resumes them at that step.
 * Running activities get SYNTHLAB_SHUTDOWN_GRACE_SECONDS (default 20) before they are cancelled.
 */
import { createModelSource } from '../activities/deps';
import { artifactStoreFromEnvironment } from '../artifacts/location';
import { dataConverterFromEnvironment } from '../infra/encryption/data-converter';
import { connectWorkerConnection } from '../infra/worker-connection';
import { artifactsDir } from '../infra/paths';
import { TASK_QUEUES } from '../shared/constants';
import { createWorkers, runWorkers, type QueueName } from './create-workers';

export async function runWorkerProcess(): Promise<void> {
  // Read the keys before connecting: a bad key file stops the worker at once, naming the problem.
  const dataConverter = dataConverterFromEnvironment();
  // So do a bad artifact location and a bad queue list.
  const store = artifactStoreFromEnvironment(artifactsDir());
  const queues = queuesFromEnv(process.env.SYNTHLAB_QUEUES);
  const { connection, settings } = await connectWorkerConnection();
  const models = createModelSource();
  const gpuSlots = positiveIntegerFromEnv('SYNTHLAB_GPU_CONCURRENCY', 1);
  const identity = process.env.SYNTHLAB_WORKER_IDENTITY?.trim();
  const preemption = new AbortController();
  const workers = await createWorkers({
    connection,
    namespace: settings.namespace,
    deps: { store, models, preemption: preemption.signal },
    queues,
    maxConcurrentGpuActivities: gpuSlots,
    dataConverter,
    shutdownGraceMs: positiveIntegerFromEnv('SYNTHLAB_SHUTDOWN_GRACE_SECONDS', 20) * 1000,
    ...(identity ? { identity } : {}),
  });
  const stop = (signal: NodeJS.Signals) => {
    if (preemption.signal.aborted) {
      console.error(`[worker ${process.pid}] ${signal} again: already stopping`);
      return;
    }
    console.error(`[worker ${process.pid}] ${signal}: taking no new tasks; running trainers checkpoint and stop, to be resumed by another worker`);
    preemption.abort();
    workers.forEach((worker) => worker.getState() === 'RUNNING' && worker.shutdown());
  };
  // A second Ctrl-C ends the worker at once; SIGTERM may come more than once (Slurm signals every
  // process of a preempted job, and the batch script passes its own notice on) and must not kill it.
  process.once('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.error(`[worker ${identity ?? process.pid}] serving ${queues.join(', ')} on ${settings.address} (artifacts in ${store.backend.description}, ${gpuSlots} training slot(s), payload encryption ${dataConverter.failureConverterPath ? 'on' : 'off'})`);
  try {
    await runWorkers(workers);
  } finally {
    await models.closeAll();
    await connection.close();
  }
}

/** `cpu,gpu` unless SYNTHLAB_QUEUES names some of them. */
function queuesFromEnv(raw: string | undefined): QueueName[] {
  if (raw === undefined || raw.trim() === '') return ['cpu', 'gpu'];
  const known = Object.keys(TASK_QUEUES);
  const queues = raw.split(',').map((queue) => queue.trim());
  const unknown = queues.filter((queue) => !known.includes(queue));
  if (unknown.length > 0) throw new Error(`SYNTHLAB_QUEUES names unknown task queue(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return queues as QueueName[];
}

/** One training at a time unless SYNTHLAB_GPU_CONCURRENCY says otherwise (e.g. one per GPU, or per core on CPU). */
function positiveIntegerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
