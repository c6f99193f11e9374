/**
 * Orchestration at paper scale: one sweep of N cells through a real Temporal dev server (its own,
 * on free ports, in a temporary state folder), served by a separate worker process whose
 * activities do no LLM or training work (bench/sweep-scale-worker.ts). Every cell still runs as
 * its own child workflow with select → fine-tune → evaluate → record, so what is measured is
 * what the orchestrator costs per cell.
 *
 * Grid: sib200 × 5 languages × TargetDemos × 1 generator × ceil(N / 10) seeds, plus gold:
 * 5 data products and 10 cells per seed.
 *
 *   npm run bench -- sweep-scale [--cells 10000] [--window 100] [--products-window 5] [--events-per-run 10000] [--keep]
 *
 * Ends with:
 *   sweep-scale: cells=<n> overhead_ms_per_cell=<x> cells_per_s=<x> max_history_events=<n> max_history_bytes=<n> worker_peak_rss_mb=<n>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { sweepRecordsOf } from '../src/artifacts/sweep-records';
import { parseSweepConfig } from '../src/config/load';
import { getDatasetSpec } from '../src/data/registry';
import { startDevServer, stopProcess } from '../src/infra/dev-server';
import { repoRoot } from '../src/infra/paths';
import { waitForPollers } from '../src/infra/stack';
import { DEFAULT_NAMESPACE, TASK_QUEUES } from '../src/shared/constants';
import { hashOf } from '../src/shared/hash';
import { SweepIdKey } from '../src/shared/search-attributes';
import { sweepWorkflowId } from '../src/shared/workflow-ids';
import type { sweepWorkflow, SweepInput, SweepProgress } from '../src/workflows/sweep';
import { positiveIntegerOption } from './options';

const LANGUAGES = ['cy', 'he', 'th', 'te', 'sw'];

export interface SweepScaleOptions {
  cells: number;
  window: number;
  productsWindow: number;
  eventsPerRun: number;
  keep: boolean;
}

export function parseOptions(args: readonly string[]): SweepScaleOptions {
  const options: SweepScaleOptions = { cells: 10_000, window: 100, productsWindow: 5, eventsPerRun: 10_000, keep: false };
  for (let index = 0; index < args.length; index += 1) {
    const flag = args[index];
    if (flag === '--keep') {
      options.keep = true;
      continue;
    }
    const number = positiveIntegerOption(flag, args[index + 1]);
    index += 1;
    if (flag === '--cells') options.cells = number;
    else if (flag === '--window') options.window = number;
    else if (flag === '--products-window') options.productsWindow = number;
    else if (flag === '--events-per-run') options.eventsPerRun = number;
    else throw new Error(`unknown option "${flag}" (known: --cells, --window, --products-window, --events-per-run, --keep)`);
  }
  return options;
}

export function benchSweepInput(options: SweepScaleOptions): SweepInput {
  const seeds = Array.from({ length: Math.ceil(options.cells / (2 * LANGUAGES.length)) }, (_, seed) => seed + 1);
  const config = parseSweepConfig(
    {
      name: `sweep-scale-${options.cells}`,
      tasks: [{ dataset: 'sib200' }],
      languages: LANGUAGES,
      strategies: ['TargetDemos'],
      generators: [{ name: 'noop', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }],
      seeds,
      generation: { samplesPerLabel: 10, samplesPerRequest: 10, maxRequestsPerLabel: 2 },
      selection: { perLabel: 10 },
      training: { model: 'packaged:all-minilm-l6-v2', maxEpochs: 1 },
      goldBaseline: true,
      concurrency: { dataProducts: options.productsWindow, cells: options.window },
      orchestration: { continueAsNewAfterEvents: options.eventsPerRun },
    },
    'sweep-scale benchmark config',
  );
  const sweepId = sweepWorkflowId(config.name);
  return { sweepId, config, configHash: hashOf(config), dataRoot: join(repoRoot, '..', 'shared', 'data'), datasets: { sib200: getDatasetSpec('sib200') } };
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** CPU time (user + system) a process has used so far, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat (11 and 12 after the command name), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function startBenchWorker(address: string, stateDir: string): ChildProcess {
  return spawn(process.execPath, [...(process.env.SYNTHLAB_BENCH_WORKER_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), '--import', import.meta.resolve('tsx'), join(repoRoot, 'bench', 'sweep-scale-worker.ts')], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, SYNTHLAB_BENCH_ADDRESS: address, SYNTHLAB_BENCH_STATE_DIR: stateDir },
  });
}

interface HistoryStats {
  executions: number;
  maxEvents: number;
  maxEventsId: string;
  maxBytes: number;
  maxBytesId: string;
  sweepRuns: number;
}

/** Largest histories among the sweep's runs and all its children (bytes measured on the encoded history). */
async function historyStats(client: Client, sweepId: string): Promise<HistoryStats> {
  const stats: HistoryStats = { executions: 0, maxEvents: 0, maxEventsId: '', maxBytes: 0, maxBytesId: '', sweepRuns: 0 };
  let largestChild: { workflowId: string; runId: string; events: number } | undefined;
  const measure = async (workflowId: string, runId: string) => {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const bytes = proto.temporal.api.history.v1.History.encode(history).finish().length;
    const events = history.events?.length ?? 0;
    if (bytes > stats.maxBytes) Object.assign(stats, { maxBytes: bytes, maxBytesId: `${workflowId} (${runId})` });
    if (events > stats.maxEvents) Object.assign(stats, { maxEvents: events, maxEventsId: `${workflowId} (${runId})` });
  };
  for await (const execution of client.workflow.list({ query: `SweepId = '${sweepId}'` })) {
    stats.executions += 1;
    if (execution.workflowId === sweepId) {
      stats.sweepRuns += 1;
      await measure(execution.workflowId, execution.runId);
    } else if (!largestChild || execution.historyLength > largestChild.events) {
      largestChild = { workflowId: execution.workflowId, runId: execution.runId, events: execution.historyLength };
    }
  }
  if (largestChild) await measure(largestChild.workflowId, largestChild.runId);
  return stats;
}

export async function run(args: string[]): Promise<number> {
  const options = parseOptions(args);
  const input = benchSweepInput(options);
  const cells = input.config.seeds.length * LANGUAGES.length * 2;
  const stateDir = await mkdtemp(join(tmpdir(), 'synthlab-sweep-scale-'));
  console.log(`sweep-scale: ${cells} cells (${input.config.seeds.length} seeds × ${LANGUAGES.length} languages × TargetDemos + gold), windows cells=${options.window} products=${options.productsWindow}, continue-as-new after ${options.eventsPerRun} events`);
  console.log(`state folder ${stateDir}`);
  const server = await startDevServer({ stateDir });
  let worker: ChildProcess | undefined;
  // A sweep run's history can pass gRPC's default 4 MB receive limit (the server allows up to 50 MB per history); the bench reads it whole.
  const connection = await Connection.connect({ address: server.address, channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 } });
  try {
    const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
    worker = startBenchWorker(server.address, stateDir);
    const workerPid = worker.pid;
    if (workerPid === undefined) throw new Error('could not start the benchmark worker');
    await waitForPollers(server.address, DEFAULT_NAMESPACE);

    const cpuBefore = { worker: cpuMs(workerPid), server: cpuMs(server.pid) };
    const startedAt = performance.now();
    const handle = await client.workflow.start<typeof sweepWorkflow>('sweepWorkflow', {
      workflowId: input.sweepId,
      taskQueue: TASK_QUEUES.cpu,
      args: [input],
      typedSearchAttributes: [{ key: SweepIdKey, value: input.sweepId }],
    });
    const launchMs = performance.now() - startedAt;
    let firstCellMs: number | undefined;
    let lastReport = 0;
    // Poll often until the first cell runs (to time it), then rarely: each query is worker and server CPU the cells would otherwise get.
    let inFlight: Promise<unknown> | undefined;
    let lastPoll = 0;
    const poll = setInterval(() => {
      const now = performance.now() - startedAt;
      if (inFlight || (firstCellMs !== undefined && now - lastPoll < 5_000)) return;
      lastPoll = now;
      inFlight = handle
        .query<SweepProgress>('progress')
        .then(
          (progress) => {
            const answeredAt = performance.now() - startedAt;
            if (firstCellMs === undefined && progress.cells.running + progress.cells.done > 0) firstCellMs = answeredAt;
            if (answeredAt - lastReport >= 15_000) {
              lastReport = answeredAt;
              console.log(`[${(answeredAt / 1000).toFixed(0)}s] run ${progress.run}: cells ${progress.cells.done}/${progress.cells.total} done, ${progress.cells.running} running`);
            }
          },
          () => undefined,
        )
        .finally(() => {
          inFlight = undefined;
        });
    }, 100);
    const summary = await handle.result().finally(() => clearInterval(poll));
    const wallMs = performance.now() - startedAt;
    await inFlight;
    const rssMb = peakRssMb(workerPid);
    const cpuPerCell = { worker: (cpuMs(workerPid) - cpuBefore.worker) / cells, server: (cpuMs(server.pid) - cpuBefore.server) / cells };

    const records = readdirSync(join(sweepRecordsOf({ root: join(stateDir, 'artifacts') }).folderOf(input.sweepId), 'cells')).filter((name) => name.endsWith('.json'));
    const stats = await historyStats(client, input.sweepId);
    const overheadMsPerCell = wallMs / cells;
    const cellsPerSecond = cells / (wallMs / 1000);

    console.log(`time to launch: ${launchMs.toFixed(0)} ms to start the sweep, ${firstCellMs === undefined ? 'n/a' : `${firstCellMs.toFixed(0)} ms`} until the first cell ran`);
    console.log(`wall time: ${(wallMs / 1000).toFixed(1)} s for ${summary.cells.completed}/${summary.cells.total} cells (${summary.failedTotal} failed) in ${summary.runs} sweep runs`);
    console.log(`records: ${records.length} cell records (one per cell)`);
    console.log(`cpu per cell: worker ${cpuPerCell.worker.toFixed(1)} ms, dev server ${cpuPerCell.server.toFixed(1)} ms (on ${availableParallelism()} cores)`);
    console.log(`histories: ${stats.executions} workflow executions; most events ${stats.maxEvents} (${stats.maxEventsId}); most bytes ${stats.maxBytes} (${stats.maxBytesId}); limits 51,200 events / 50 MB`);
    console.log(
      `sweep-scale: cells=${cells} overhead_ms_per_cell=${overheadMsPerCell.toFixed(1)} cells_per_s=${cellsPerSecond.toFixed(1)} ` +
        `max_history_events=${stats.maxEvents} max_history_bytes=${stats.maxBytes} worker_peak_rss_mb=${rssMb.toFixed(0)}`,
    );
    const consistent = summary.cells.completed === cells && records.length === cells && summary.failedTotal === 0;
    if (!consistent) process.stderr.write(`sweep-scale: expected ${cells} completed cells and records, got ${summary.cells.completed} and ${records.length}\n`);
    return consistent ? 0 : 1;
  } finally {
    if (worker?.pid !== undefined) await stopProcess(worker.pid, 15_000);
    await connection.close();
    await stopProcess(server.pid, 15_000);
    if (!options.keep) await rm(stateDir, { recursive: true, force: true });
  }
}
