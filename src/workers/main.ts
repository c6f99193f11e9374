/**
 * The worker process: serves the `cpu` and `gpu` task queues (or those named in
 * SYNTHLAB_QUEUES, e.g. `gpu` on a GPU node) until SIGINT/SIGTERM.
 *
 * SIGTERM is a preemption notice (Slurm and Kubernetes send it before SIGKILL): the worker stops
 * taking tasks, tells its running trainers, which checkpoint the step they reached and exit, and
 * reports those attempts as failed (retryably), so that another worker resumes them at that step.
 * Running activities get SYNTHLAB_SHUTDOWN_GRACE_SECONDS (default 20) before they are cancelled.
 */
import { createModelSource } from '../activities/deps';
import { ArtifactStore } from '../artifacts/store';
import { dataConverterFromEnvironment } from '../infra/encryption/data-converter';
import { connectWorkerConnection } from '../infra/worker-connection';
import { artifactsDir } from '../infra/paths';
import { createWorkers, runWorkers, type QueueName } from './create-workers';

export async function runWorkerProcess(): Promise<void> {
  // Read the keys before connecting: a bad key file stops the worker at once, naming the problem.
  const dataConverter = dataConverterFromEnvironment();
  const { connection, settings } = await connectWorkerConnection();
  const queues = (process.env.SYNTHLAB_QUEUES?.split(',').map((queue) => queue.trim()) ?? ['cpu', 'gpu']) as QueueName[];
  const models = createModelSource();
  const gpuSlots = positiveIntegerFromEnv('SYNTHLAB_GPU_CONCURRENCY', 1);
  const preemption = new AbortController();
  const workers = await createWorkers({
    connection,
    namespace: settings.namespace,
    deps: { store: new ArtifactStore(artifactsDir()), models, preemption: preemption.signal },
    queues,
    maxConcurrentGpuActivities: gpuSlots,
    dataConverter,
    shutdownGraceMs: positiveIntegerFromEnv('SYNTHLAB_SHUTDOWN_GRACE_SECONDS', 20) * 1000,
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
  console.error(`[worker ${process.pid}] serving ${queues.join(', ')} on ${settings.address} (${gpuSlots} training slot(s), payload encryption ${dataConverter.failureConverterPath ? 'on' : 'off'})`);
  try {
    await runWorkers(workers);
  } finally {
    await models.closeAll();
    await connection.close();
  }
}

/** One training at a time unless SYNTHLAB_GPU_CONCURRENCY says otherwise (e.g. one per GPU, or per core on CPU). */
function positiveIntegerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
