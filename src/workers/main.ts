/**
 * The worker process: serves the `cpu` and `gpu` task queues (or those named in
 * SYNTHLAB_QUEUES, e.g. `gpu` on a GPU node) until SIGINT/SIGTERM.
 */
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { createModelSource } from '../activities/deps';
import { ArtifactStore } from '../artifacts/store';
import { connectionSettings } from '../infra/connection';
import { stateDir } from '../infra/paths';
import { createWorkers, runWorkers, type QueueName } from './create-workers';

export async function runWorkerProcess(): Promise<void> {
  const settings = connectionSettings();
  const connection = await NativeConnection.connect({
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey, tls: true } : {}),
  });
  const queues = (process.env.SYNTHLAB_QUEUES?.split(',').map((queue) => queue.trim()) ?? ['cpu', 'gpu']) as QueueName[];
  const models = createModelSource();
  const workers = await createWorkers({
    connection,
    namespace: settings.namespace,
    deps: { store: new ArtifactStore(join(stateDir(), 'artifacts')), models },
    queues,
  });
  const stop = () => workers.forEach((worker) => worker.getState() === 'RUNNING' && worker.shutdown());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.error(`[worker ${process.pid}] serving ${queues.join(', ')} on ${settings.address}`);
  try {
    await runWorkers(workers);
  } finally {
    await models.closeAll();
    await connection.close();
  }
}
