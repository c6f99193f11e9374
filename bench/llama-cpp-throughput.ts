/**
 * The llm-throughput comparison against the real local llama.cpp server: llama-cpp-python's
 * OpenAI-compatible server (`python -m llama_cpp.server` from the ML venv) on the packaged
 * SmolLM2-135M-Instruct GGUF. Its version here (0.3.16) serves one request at a time: every
 * request takes one global lock (`llama_outer_lock`/`llama_inner_lock` in llama_cpp/server/app.py)
 * and it has no parallel slots or continuous batching, so its real concurrency is 1; K = 1 is
 * what it serves, and the row also sends at a higher K to show the lock queues what comes beyond.
 *
 * Each K runs a TargetDemos data product (SIB-200 Welsh: generate → keep → annotate) through the
 * real worker and Temporal, the generator an `openai-compatible` provider at `concurrency: K`
 * pointing at a recording proxy in front of the server; then the bench sends the requests the
 * proxy recorded, through the same provider class at the same K, directly. What matters is the
 * ratio of the two: the backend is the same, so the difference is what synthlab costs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { parseSweepConfig } from '../src/config/load';
import { planSweep } from '../src/config/plan';
import { getDatasetSpec } from '../src/data/registry';
import { freePort } from '../src/infra/dev-server';
import { mlPython, repoRoot } from '../src/infra/paths';
import { createOpenAICompatibleModel } from '../src/llm/openai-compatible';
import { resolveModelPath } from '../src/llm/packaged-models';
import { TASK_QUEUES } from '../src/shared/constants';
import type { DataProductInput, dataProductWorkflow } from '../src/workflows/data-product';
import { requestOf } from './chat-bodies';
import { startRecordingProxy, type ProxyStats, type RecordingProxy } from './recording-proxy';

export const LLAMA_CPP_MODEL = 'packaged:smollm2-135m-instruct';

export interface LlamaCppMeasured {
  completions: number;
  completionTokens: number;
  wallMs: number;
  maxOpen: number;
  /** From the first request in to the last reply out, at the server (the proxy). */
  activeMs: number;
  /** Summed over requests: arrival to reply at the server. */
  serverMs: number;
}

export interface LlamaCppRow {
  concurrency: number;
  synthlab: LlamaCppMeasured;
  direct: LlamaCppMeasured;
}

export const completionsPerSecond = (measured: LlamaCppMeasured) => (measured.completions * 1000) / measured.wallMs;

interface LlamaCppServer {
  baseURL: string;
  stop(): Promise<void>;
}

/** Starts llama-cpp-python's server on the packaged GGUF and waits until it lists its model. */
async function startLlamaCppServer(threads: number): Promise<LlamaCppServer> {
  const port = await freePort();
  const args = ['-m', 'llama_cpp.server', '--model', resolveModelPath(LLAMA_CPP_MODEL), '--host', '127.0.0.1', '--port', String(port)];
  args.push('--n_ctx', '2048', '--n_threads', String(threads), '--n_threads_batch', String(threads), '--model_alias', 'smollm2');
  const child: ChildProcess = spawn(mlPython, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let outputTail = '';
  const keepTail = (chunk: Buffer) => {
    outputTail = (outputTail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(forceKill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`llama_cpp.server exited with code ${child.exitCode} before it answered:\n${outputTail}`);
    const ready = await fetch(`${baseURL}/models`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { baseURL, stop };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`llama_cpp.server did not answer ${baseURL}/models within 180 s:\n${outputTail}`);
}

function productInput(baseURL: string, concurrency: number, size: LlamaCppSize): DataProductInput {
  const config = parseSweepConfig(
    {
      name: `llm-throughput-llamacpp-${concurrency}`,
      tasks: [{ dataset: 'sib200' }],
      languages: ['cy'],
      strategies: ['TargetDemos'],
      generators: [{ name: 'llamacpp', provider: { kind: 'openai-compatible', baseURL, model: 'smollm2', apiKeyEnv: 'SYNTHLAB_BENCH_UNUSED_KEY', concurrency, timeoutMs: 600_000 } }],
      seeds: [1],
      // Enough kept samples that every label uses its request cap: the same requests at every K.
      generation: {
        samplesPerLabel: 100,
        samplesPerRequest: 4,
        maxRequestsPerLabel: size.requestsPerLabel,
        demosPerLabel: 2,
        demoMaxWords: 20,
        // A seed of its own per K: the generation at one K must not be the cached result of another.
        sampling: { temperature: 0.4, topP: 0.9, repetitionPenalty: 1.2, maxTokens: size.maxTokens, seed: concurrency },
      },
      selection: { perLabel: 1 },
      training: { model: 'packaged:all-minilm-l6-v2' },
      goldBaseline: false,
    },
    'llm-throughput llama.cpp config',
  );
  const [product] = planSweep(config).dataProducts;
  if (!product) throw new Error('the llama.cpp row planned no data product');
  return { sweepId: `sweep/${config.name}`, dataRoot: join(repoRoot, '..', 'shared', 'data'), dataset: getDatasetSpec('sib200'), product };
}

export interface LlamaCppSize {
  /** Generation requests per label (7 labels). */
  requestsPerLabel: number;
  maxTokens: number;
}

function measured(stats: ProxyStats, wallMs: number): LlamaCppMeasured {
  return { completions: stats.completions, completionTokens: stats.completionTokens, wallMs, maxOpen: stats.maxOpen, activeMs: stats.activeMs, serverMs: stats.serverMs };
}

async function runSynthlab(client: Client, proxy: RecordingProxy, concurrency: number, size: LlamaCppSize): Promise<LlamaCppMeasured> {
  const input = productInput(proxy.baseURL, concurrency, size);
  proxy.reset();
  const startedAt = performance.now();
  await client.workflow.execute<typeof dataProductWorkflow>('dataProductWorkflow', {
    workflowId: `${input.sweepId}/data/${input.product.key}`,
    taskQueue: TASK_QUEUES.cpu,
    args: [input],
  });
  return measured(proxy.stats(), performance.now() - startedAt);
}

/** The requests synthlab sent, through the same provider class at the same concurrency, all at once. */
async function runDirect(proxy: RecordingProxy, concurrency: number): Promise<LlamaCppMeasured> {
  const bodies = proxy.requests();
  const model = createOpenAICompatibleModel({ kind: 'openai-compatible', baseURL: proxy.baseURL, model: 'smollm2', apiKeyEnv: 'SYNTHLAB_BENCH_UNUSED_KEY', concurrency, timeoutMs: 600_000, faultBudgetSeconds: 0 });
  proxy.reset();
  const startedAt = performance.now();
  await Promise.all(bodies.map((body) => model.complete(requestOf(body))));
  const wallMs = performance.now() - startedAt;
  await model.close();
  return measured(proxy.stats(), wallMs);
}

/**
 * Runs the comparison at each concurrency on one llama.cpp server. Synthlab goes first at each K, so
 * the direct driver sends exactly what synthlab sent; a warm-up request loads the model beforehand.
 */
export async function runLlamaCppRows(client: Client, options: { concurrencies: number[]; threads: number; size: LlamaCppSize }): Promise<LlamaCppRow[]> {
  const server = await startLlamaCppServer(options.threads);
  const proxy = await startRecordingProxy(server.baseURL);
  try {
    const warmUp = createOpenAICompatibleModel({ kind: 'openai-compatible', baseURL: proxy.baseURL, model: 'smollm2', apiKeyEnv: 'SYNTHLAB_BENCH_UNUSED_KEY', concurrency: 1, timeoutMs: 600_000, faultBudgetSeconds: 0 });
    await warmUp.complete({ messages: [{ role: 'user', content: 'Say hello.' }], sampling: { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 4 } });
    const rows: LlamaCppRow[] = [];
    for (const concurrency of options.concurrencies) {
      const synthlab = await runSynthlab(client, proxy, concurrency, options.size);
      const direct = await runDirect(proxy, concurrency);
      if (direct.completions !== synthlab.completions) {
        throw new Error(`llama.cpp k=${concurrency}: the direct driver got ${direct.completions} replies, synthlab ${synthlab.completions}`);
      }
      rows.push({ concurrency, synthlab, direct });
    }
    return rows;
  } finally {
    await proxy.close();
    await server.stop();
  }
}
