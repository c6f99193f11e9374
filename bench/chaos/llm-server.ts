/**
 * The LLM of a chaos run: llama-cpp-python's OpenAI-compatible server over the packaged SmolLM2
 * GGUF, on a fixed port so a restarted server is where the provider left it, behind a loopback
 * proxy that counts the requests in flight (the server cannot say), so a kill can land
 * mid-generation. The provider's `baseURL` is the proxy's, which outlives every server, and both
 * runs of a chaos run use the same one (same config, same keys). A request cut off by a kill
 * has its client connection destroyed, as a dead server's would be.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { embeddedPaths } from '../../src/infra/embedded-paths';
import { mlPython } from '../../src/infra/paths';

export interface LlmProxy {
  readonly baseURL: string;
  /** Requests sent on and not yet answered. */
  inFlight(): number;
  /** Milliseconds since the epoch of the first request in and the last reply out (undefined before any). */
  activity(): { firstAt: number | undefined; lastAt: number | undefined; requests: number };
  setUpstreamPort(port: number): void;
  /** Forgets the activity seen so far (each run measures its own). */
  reset(): void;
  close(): Promise<void>;
}

export async function startLlmProxy(): Promise<LlmProxy> {
  let upstreamPort = 0;
  let inFlight = 0;
  let requests = 0;
  let firstAt: number | undefined;
  let lastAt: number | undefined;
  const server: Server = createServer((incoming, outgoing) => {
    inFlight++;
    requests++;
    firstAt ??= Date.now();
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      inFlight--;
      lastAt = Date.now();
    };
    const upstream = httpRequest(
      { host: '127.0.0.1', port: upstreamPort, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (reply) => {
        outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(outgoing);
        reply.on('end', settle);
        reply.on('error', () => {
          settle();
          outgoing.destroy();
        });
      },
    );
    upstream.on('error', () => {
      settle();
      outgoing.destroy();
    });
    outgoing.on('close', settle);
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    inFlight: () => inFlight,
    activity: () => ({ firstAt, lastAt, requests }),
    setUpstreamPort(next) {
      upstreamPort = next;
    },
    reset() {
      requests = 0;
      firstAt = undefined;
      lastAt = undefined;
    },
    close: () =>
      new Promise((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

export interface LlmServerProcess {
  pid: number;
  /** Milliseconds from spawn until `/v1/models` answered. */
  startMs: number;
}

/** Starts the server on `port` and waits until it answers; its output is appended to `logFile`. */
export async function startLlmServer(port: number, logFile: string, modelAlias: string): Promise<LlmServerProcess> {
  const startedAt = Date.now();
  const logFd = openSync(logFile, 'a');
  const child = spawn(
    mlPython,
    [
      '-m', 'llama_cpp.server',
      '--model', embeddedPaths().gguf_smollm2,
      '--host', '127.0.0.1',
      '--port', String(port),
      '--n_ctx', '2048',
      '--n_threads', '1',
      '--n_threads_batch', '1',
      '--model_alias', modelAlias,
    ],
    { stdio: ['ignore', logFd, logFd], detached: true },
  );
  closeSync(logFd);
  child.unref();
  if (child.pid === undefined) throw new Error('could not start llama_cpp.server');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`llama_cpp.server exited during start with code ${child.exitCode}; see ${logFile}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v1/models`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return { pid: child.pid, startMs: Date.now() - startedAt };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`llama_cpp.server did not answer on port ${port} within 120 s; see ${logFile}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
}
