/**
 * One chaos run's own stack: a dev server on free ports with its own state folder and SQLite
 * file, one worker process, and the LLM server behind the run's proxy. Each piece can be killed
 * and started again in place: the dev server on the same port and database, the worker with the
 * same environment, the LLM server on the same port.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, startDevServer, stopProcess, type DevServerInfo } from '../../src/infra/dev-server';
import { startWorkerProcess } from '../../src/infra/stack';
import { isRunning, waitForExit } from './processes';
import { startLlmServer, type LlmProxy } from './llm-server';

export interface RunStackOptions {
  stateDir: string;
  proxy: LlmProxy;
  modelAlias: string;
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

export class RunStack {
  server!: DevServerInfo;
  workerPid = 0;
  llmPid = 0;
  private ports = { port: 0, uiPort: 0, llmPort: 0 };

  constructor(readonly options: RunStackOptions) {}

  get address(): string {
    return `127.0.0.1:${this.ports.port}`;
  }

  async start(): Promise<void> {
    await mkdir(this.options.stateDir, { recursive: true });
    this.ports = { port: await freePort(), uiPort: await freePort(), llmPort: await freePort() };
    this.options.proxy.setUpstreamPort(this.ports.llmPort);
    await this.startLlm();
    await this.startServer();
    await this.startWorker();
  }

  async startServer(): Promise<void> {
    this.server = await startDevServer({ stateDir: this.options.stateDir, port: this.ports.port, uiPort: this.ports.uiPort });
  }

  async startLlm(): Promise<void> {
    this.llmPid = (await startLlmServer(this.ports.llmPort, join(this.options.stateDir, 'llm-server.log'), this.options.modelAlias)).pid;
  }

  /** Starts a worker and waits for its "serving" line (the server still lists a dead worker's pollers for a while). */
  async startWorker(): Promise<void> {
    const pid = startWorkerProcess(this.options.stateDir, { ...process.env, TEMPORAL_ADDRESS: this.address });
    this.workerPid = pid;
    const logFile = join(this.options.stateDir, 'worker.log');
    const deadline = Date.now() + 180_000;
    while (!(existsSync(logFile) && readFileSync(logFile, 'utf8').includes(`[worker ${pid}] serving`))) {
      if (!isRunning(pid)) throw new Error(`the worker (pid ${pid}) exited during start; see ${logFile}`);
      if (Date.now() > deadline) throw new Error(`the worker (pid ${pid}) did not start serving within 180 s; see ${logFile}`);
      await sleep(250);
    }
  }

  async stop(): Promise<void> {
    for (const pid of [this.workerPid, this.llmPid]) {
      if (pid > 0 && isRunning(pid)) await stopProcess(pid, 30_000);
      if (pid > 0) await waitForExit(pid, 10_000);
    }
    if (this.server && isRunning(this.server.pid)) await stopProcess(this.server.pid);
  }
}
