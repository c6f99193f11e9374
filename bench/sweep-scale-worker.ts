/**
 * The sweep-scale benchmark's worker process: the real workflows with no-op activities
 * (bench/noop-activities.ts) on both task queues, against the address in SYNTHLAB_BENCH_ADDRESS.
 * Started only by bench/sweep-scale.ts, so its peak memory can be read from /proc.
 */
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { createModelSource } from '../src/activities/deps';
import { ArtifactStore } from '../src/artifacts/store';
import { DEFAULT_NAMESPACE } from '../src/shared/constants';
import { createWorkers, runWorkers } from '../src/workers/create-workers';
import { createNoopActivities } from './noop-activities';

async function main(): Promise<void> {
  const address = process.env.SYNTHLAB_BENCH_ADDRESS;
  const stateDir = process.env.SYNTHLAB_BENCH_STATE_DIR;
  if (!address || !stateDir) throw new Error('SYNTHLAB_BENCH_ADDRESS and SYNTHLAB_BENCH_STATE_DIR must be set (bench/sweep-scale.ts sets them)');
  const slots = Number(process.env.SYNTHLAB_BENCH_ACTIVITY_SLOTS ?? 200);
  const connection = await NativeConnection.connect({ address });
  const store = new ArtifactStore(join(stateDir, 'artifacts'));
  const workers = await createWorkers({
    connection,
    namespace: DEFAULT_NAMESPACE,
    deps: { store, models: createModelSource() },
    activities: createNoopActivities({ store }),
    maxConcurrentCpuActivities: slots,
    maxConcurrentGpuActivities: slots,
  });
  const stop = () => workers.forEach((worker) => worker.getState() === 'RUNNING' && worker.shutdown());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await runWorkers(workers);
  await connection.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`sweep-scale worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
