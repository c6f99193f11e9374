/**
 * The worker process: serves the `cpu` and `gpu` task queues (or those named in
 * SYNTHLAB_QUEUES, e.g. `gpu` on a GPU node) until SIGINT/SIGTERM.
 */
import { createModelSource } from '../activities/deps';
import { artifactStoreFromEnvironment } from '../artifacts/location';
import { dataConverterFromEnvironment } from '../infra/encryption/data-converter';
import { connectWorkerConnection } from '../infra/worker-connection';
import { artifactsDir } from '../infra/paths';
import { createWorkers, runWorkers, type QueueName } from './create-workers';

export async function runWorkerProcess(): Promise<void> {
  // Read the keys before connecting: a bad key file stops the worker at once, naming the problem.
  const dataConverter = dataConverterFromEnvironment();
  const { connection, settings } = await connectWorkerConnection();
  const queues = (process.env.SYNTHLAB_QUEUES?.split(',').map((queue) => queue.trim()) ?? ['cpu', 'gpu']) as QueueName[];
  const store = artifactStoreFromEnvironment(artifactsDir());
  const models = createModelSource();
  const gpuSlots = positiveIntegerFromEnv('SYNTHLAB_GPU_CONCURRENCY', 1);
  const workers = await createWorkers({
    connection,
    namespace: settings.namespace,
    deps: { store, models },
    queues,
    maxConcurrentGpuActivities: gpuSlots,
    dataConverter,
  });
  const stop = () => workers.forEach((worker) => worker.getState() === 'RUNNING' && worker.shutdown());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.error(`[worker ${process.pid}] serving ${queues.join(', ')} on ${settings.address} (artifacts in ${store.backend.description}, ${gpuSlots} training slot(s), payload encryption ${dataConverter.failureConverterPath ? 'on' : 'off'})`);
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
