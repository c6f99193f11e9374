/**
 * The embedded dev stack: the Temporal dev server plus one background worker process serving
 * both task queues. `up` detects a stack that is already running; `down` stops it cleanly.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { writeFileAtomic } from '../artifacts/store';
import { DEFAULT_NAMESPACE, TASK_QUEUES } from '../shared/constants';
import { isProcessAlive, runningDevServer, startDevServer, stopDevServer, stopProcess, type DevServerInfo } from './dev-server';
import { keyRingFromEnvironment } from './encryption/key-ring';
import { repoRoot, synthlabCliArgs } from './paths';

export interface StackInfo {
  server: DevServerInfo;
  workerPid: number;
  reused: { server: boolean; worker: boolean };
  /**
   * The worker's payload encryption (`off`, or `on, current key <id>`) and what this environment
   * asks for: they differ when the worker was started before the keys were set or rotated.
   */
  encryption: { worker: string; requested: string };
}

/** Why this stack cannot serve this environment's client, when its worker encrypts differently. */
export function encryptionMismatch(stack: StackInfo): string | undefined {
  if (stack.encryption.worker === stack.encryption.requested) return undefined;
  return (
    `the running worker has payload encryption ${stack.encryption.worker}, this environment asks for ${stack.encryption.requested}: ` +
    '`synthlab down` and `synthlab up` restart it with the keys set here'
  );
}

/** How a process started now would encrypt payloads (key ids only, never keys); a bad key file throws here. */
function requestedEncryption(): string {
  const keyRing = keyRingFromEnvironment();
  return keyRing ? `on, current key ${keyRing.currentKeyId}` : 'off';
}

const DEFAULT_PORT = 7233;
const DEFAULT_UI_PORT = 8233;

function workerInfoPath(stateDir: string): string {
  return join(stateDir, 'worker.json');
}

interface WorkerInfo {
  pid: number;
  /** Absent in files written before payload encryption existed: those workers run without it. */
  encryption?: string;
}

function runningWorker(stateDir: string): Required<WorkerInfo> | undefined {
  const file = workerInfoPath(stateDir);
  if (!existsSync(file)) return undefined;
  const { pid, encryption = 'off' } = JSON.parse(readFileSync(file, 'utf8')) as WorkerInfo;
  return isProcessAlive(pid) ? { pid, encryption } : undefined;
}

function runningWorkerPid(stateDir: string): number | undefined {
  return runningWorker(stateDir)?.pid;
}

/** Waits until every task queue has a poller, i.e. the worker is really serving. */
export async function waitForPollers(address: string, namespace: string, timeoutMs = 120_000): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await Promise.all(
        Object.values(TASK_QUEUES).map(async (name) => {
          const response = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name }, taskQueueType: 2 });
          return response.pollers?.length ?? 0;
        }),
      );
      if (counts.every((count) => count > 0)) return;
      if (Date.now() > deadline) throw new Error(`no worker polls ${Object.values(TASK_QUEUES).join(' and ')} after ${timeoutMs / 1000}s; see the worker log`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    }
  } finally {
    await connection.close();
  }
}

export function startWorkerProcess(stateDir: string, env: NodeJS.ProcessEnv = process.env): number {
  const logFd = openSync(join(stateDir, 'worker.log'), 'a');
  const child = spawn(process.execPath, synthlabCliArgs('worker'), {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...env, SYNTHLAB_STATE_DIR: stateDir },
  });
  closeSync(logFd);
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the worker process');
  return child.pid;
}

export interface StackPorts {
  port: number;
  uiPort: number;
}

/** Ports of the embedded stack: 7233 and 8233 unless SYNTHLAB_TEMPORAL_PORT / SYNTHLAB_UI_PORT say otherwise. */
export function stackPorts(): StackPorts {
  return {
    port: Number(process.env.SYNTHLAB_TEMPORAL_PORT ?? DEFAULT_PORT),
    uiPort: Number(process.env.SYNTHLAB_UI_PORT ?? DEFAULT_UI_PORT),
  };
}

export async function stackUp(stateDir: string, ports: StackPorts = stackPorts()): Promise<StackInfo> {
  const existingServer = await runningDevServer(stateDir);
  // SYNTHLAB_UI_CODEC_ENDPOINT: the UI decodes encrypted payloads through `synthlab codec-server`.
  const uiCodecEndpoint = process.env.SYNTHLAB_UI_CODEC_ENDPOINT || undefined;
  const server = existingServer ?? (await startDevServer({ stateDir, ...ports, detached: true, ...(uiCodecEndpoint ? { uiCodecEndpoint } : {}) }));
  const requested = requestedEncryption();
  const existingWorker = runningWorker(stateDir);
  const workerPid = existingWorker?.pid ?? startWorkerProcess(stateDir);
  if (!existingWorker) await writeFileAtomic(workerInfoPath(stateDir), JSON.stringify({ pid: workerPid, encryption: requested } satisfies WorkerInfo));
  await waitForPollers(server.address, DEFAULT_NAMESPACE);
  return {
    server,
    workerPid,
    reused: { server: existingServer !== undefined, worker: existingWorker !== undefined },
    encryption: { worker: existingWorker?.encryption ?? requested, requested },
  };
}

export async function stackDown(stateDir: string): Promise<{ worker: boolean; server: boolean }> {
  const workerPid = runningWorkerPid(stateDir);
  if (workerPid !== undefined) await stopProcess(workerPid, 30_000);
  await rm(workerInfoPath(stateDir), { force: true });
  const server = await stopDevServer(stateDir);
  return { worker: workerPid !== undefined, server };
}
