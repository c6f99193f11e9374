import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/infra/dev-server';
import { repoRoot } from '../../src/infra/paths';

export interface LlamaServer {
  baseURL: string;
  stop(): Promise<void>;
}

export interface LlamaServerOptions {
  modelPath: string;
  modelAlias?: string;
  apiKey?: string;
  startupTimeoutMs?: number;
  /** The server's default sampling seed (requests that carry a `seed` use theirs). */
  seed?: number;
}

/** Starts llama-cpp-python's OpenAI-compatible server from the ML venv and waits until it answers. */
export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServer> {
  const port = await freePort();
  const python = join(repoRoot, 'ml', '.venv', 'bin', 'python');
  const args = [
    '-m', 'llama_cpp.server',
    '--model', options.modelPath,
    '--host', '127.0.0.1',
    '--port', String(port),
    '--n_ctx', '2048',
    '--n_threads', '2',
    '--n_threads_batch', '2',
    '--model_alias', options.modelAlias ?? 'smollm2',
    ...(options.apiKey ? ['--api_key', options.apiKey] : []),
    ...(options.seed === undefined ? [] : ['--seed', String(options.seed)]),
  ];
  const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let outputTail = '';
  const keepTail = (chunk: Buffer) => {
    outputTail = (outputTail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  const baseURL = `http://127.0.0.1:${port}/v1`;
  const server: LlamaServer = { baseURL, stop: () => stopChild(child) };
  try {
    await waitUntilReady(child, `${baseURL}/models`, options.apiKey, options.startupTimeoutMs ?? 90_000);
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}\n--- llama_cpp.server output ---\n${outputTail}`);
  }
  return server;
}

async function waitUntilReady(child: ChildProcess, modelsURL: string, apiKey: string | undefined, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`llama_cpp.server exited early with code ${child.exitCode}`);
    try {
      const response = await fetch(modelsURL, {
        headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        signal: AbortSignal.timeout(2_000),
      });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`llama_cpp.server did not answer ${modelsURL} within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(forceKill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
