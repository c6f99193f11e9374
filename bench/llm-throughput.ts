/**
 * How close synthlab keeps an LLM backend to its capacity. Each row starts a capacity server
 * (bench/capacity-server.ts, its own process: K slots, a fixed time per generated token, so its
 * ceiling is exact) and sends it the same requests two ways:
 *   - synthlab: data-product workflows (TargetDemos+Revision on SIB-200: generate → revise →
 *     keep → annotate) on a real Temporal dev server and a real `synthlab worker` process, the
 *     generator an `openai-compatible` provider with `concurrency: K`;
 *   - direct: this process sends the requests the server received from synthlab, through the same
 *     provider class at the same concurrency, all generation requests at once, then all judge
 *     requests at once (the judge needs the generations).
 * Completions per second are completions over wall time: for synthlab from starting the
 * workflows to the last one's end (the non-LLM stages included), for direct from the first send
 * to the last reply. The ceiling is K slots over the mean service time of the same requests.
 *
 * The judge accepts every candidate and every reply parses, so each product runs one round.
 * Sizes fill whole waves of K in each stage (a product asks 7 labels × n requests of 2 samples),
 * so direct driving can reach the ceiling and what is left is what synthlab costs. The last row
 * is one data product alone at K = 64: 7 labels, where one request per label in flight gave 7.
 *
 * Then the same comparison against the real local llama.cpp server (bench/llama-cpp-throughput.ts:
 * llama-cpp-python's server, which serves one request at a time), at K = 1 and K = 4, printed as
 * `llm-throughput-llamacpp: …` before the final line.
 *
 *   npm run bench -- llm-throughput [--keep] [--no-llamacpp | --llamacpp-only]
 *
 * (`--llamacpp-only` runs the llama.cpp rows alone and so prints no final k=64 line.)
 *
 * Ends with:
 *   llm-throughput: k=64 direct_per_s=<x> synthlab_per_s=<x> ceiling_per_s=<x> ratio_direct=<x> ratio_ceiling=<x> single_product_ratio=<x>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { planSweep } from '../src/config/plan';
import { parseSweepConfig } from '../src/config/load';
import { getDatasetSpec } from '../src/data/registry';
import { startDevServer, stopProcess } from '../src/infra/dev-server';
import { repoRoot, synthlabCliArgs } from '../src/infra/paths';
import { waitForPollers } from '../src/infra/stack';
import { createOpenAICompatibleModel } from '../src/llm/openai-compatible';
import { DEFAULT_NAMESPACE, TASK_QUEUES } from '../src/shared/constants';
import type { DataProductInput, dataProductWorkflow } from '../src/workflows/data-product';
import { capacityStatsSchema, isJudgePrompt, type CapacityStats, type ChatBody } from './capacity-server';
import { requestOf } from './chat-bodies';
import { completionsPerSecond, runLlamaCppRows, type LlamaCppRow } from './llama-cpp-throughput';

interface Row {
  name: string;
  slots: number;
  tokenMs: number;
  languages: string[];
  /** Generation requests per label (each asks for 2 samples; every sample is judged). */
  requestsPerLabel: number;
}

const SAMPLES_PER_REQUEST = 2;
/** Latin-script SIB-200 languages: the capacity server writes Latin text, which the judge's script check passes. */
const FOUR_LANGUAGES = ['cy', 'sw', 'id', 'ro'];
// Each row is 17-19 s of service at the ceiling: a product's 7 × n generation requests (24 tokens
// each) and 14 × n judge requests (5 tokens) fill whole waves of K.
const ROWS: Row[] = [
  { name: 'k=1', slots: 1, tokenMs: 20, languages: FOUR_LANGUAGES, requestsPerLabel: 1 },
  { name: 'k=8', slots: 8, tokenMs: 70, languages: FOUR_LANGUAGES, requestsPerLabel: 2 },
  { name: 'k=64', slots: 64, tokenMs: 70, languages: FOUR_LANGUAGES, requestsPerLabel: 16 },
  { name: 'k=64 one product', slots: 64, tokenMs: 70, languages: ['cy'], requestsPerLabel: 64 },
];

interface Measured {
  completions: number;
  wallMs: number;
  stats: CapacityStats;
}

interface RowResult {
  row: Row;
  synthlab: Measured;
  direct: Measured;
  ceilingPerSecond: number;
}

const perSecond = (measured: Measured) => (measured.completions * 1000) / measured.wallMs;

class CapacityProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(slots: number, tokenMs: number): Promise<CapacityProcess> {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'bench', 'capacity-server-main.ts'), '--slots', String(slots), '--token-ms', String(tokenMs)], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const firstLine = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (line) => {
        lines.close();
        resolve(line);
      });
      child.once('exit', (code) => reject(new Error(`the capacity server exited with code ${code ?? 'null'} before it listened`)));
    });
    const { url } = JSON.parse(firstLine) as { url: string };
    return new CapacityProcess(child, url);
  }

  async stats(): Promise<CapacityStats> {
    return capacityStatsSchema.parse(await (await fetch(`${this.url}/capacity/stats`)).json());
  }

  async requests(): Promise<ChatBody[]> {
    return (await (await fetch(`${this.url}/capacity/requests`)).json()) as ChatBody[];
  }

  async reset(): Promise<void> {
    await fetch(`${this.url}/capacity/reset`, { method: 'POST' });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

function productInputs(row: Row, baseURL: string): DataProductInput[] {
  const config = parseSweepConfig(
    {
      name: `llm-throughput-${row.slots}-${row.languages.length}`,
      tasks: [{ dataset: 'sib200' }],
      languages: row.languages,
      strategies: ['TargetDemos+Revision'],
      generators: [{ name: 'capacity', provider: { kind: 'openai-compatible', baseURL, model: 'capacity', apiKeyEnv: 'SYNTHLAB_BENCH_UNUSED_KEY', concurrency: row.slots } }],
      seeds: [1],
      generation: {
        samplesPerLabel: row.requestsPerLabel * SAMPLES_PER_REQUEST,
        samplesPerRequest: SAMPLES_PER_REQUEST,
        maxRequestsPerLabel: row.requestsPerLabel * 2,
        sampling: { temperature: 0.4, topP: 0.9, repetitionPenalty: 1.2, maxTokens: 128 },
      },
      selection: { perLabel: 1 },
      training: { model: 'packaged:all-minilm-l6-v2' },
      goldBaseline: false,
    },
    'llm-throughput benchmark config',
  );
  const dataset = getDatasetSpec('sib200');
  const dataRoot = join(repoRoot, '..', 'shared', 'data');
  return planSweep(config).dataProducts.map((product) => ({ sweepId: `sweep/${config.name}`, dataRoot, dataset, product }));
}

async function runSynthlab(client: Client, row: Row, server: CapacityProcess): Promise<Measured> {
  const inputs = productInputs(row, `${server.url}/v1`);
  await server.reset();
  const startedAt = performance.now();
  const outcomes = await Promise.all(
    inputs.map((input) =>
      client.workflow.execute<typeof dataProductWorkflow>('dataProductWorkflow', {
        workflowId: `${input.sweepId}/data/${input.product.key}`,
        taskQueue: TASK_QUEUES.cpu,
        args: [input],
      }),
    ),
  );
  const wallMs = performance.now() - startedAt;
  const stats = await server.stats();
  const wanted = inputs.length * 7 * row.requestsPerLabel * (1 + SAMPLES_PER_REQUEST);
  if (stats.completions !== wanted) {
    throw new Error(`${row.name}: synthlab made ${stats.completions} LLM requests, the plan is ${wanted} (${outcomes.map((outcome) => outcome.summary).join('; ')})`);
  }
  return { completions: stats.completions, wallMs, stats };
}

/** The same requests through the same provider class at the same concurrency: generations, then judgements. */
async function runDirect(row: Row, server: CapacityProcess, bodies: readonly ChatBody[]): Promise<Measured> {
  const model = createOpenAICompatibleModel({
    kind: 'openai-compatible',
    baseURL: `${server.url}/v1`,
    model: 'capacity',
    apiKeyEnv: 'SYNTHLAB_BENCH_UNUSED_KEY',
    concurrency: row.slots,
    timeoutMs: 600_000,
    faultBudgetSeconds: 300,
  });
  const generations = bodies.filter((body) => !isJudgePrompt(body)).map(requestOf);
  const judgements = bodies.filter((body) => isJudgePrompt(body)).map(requestOf);
  await server.reset();
  const startedAt = performance.now();
  await Promise.all(generations.map((request) => model.complete(request)));
  await Promise.all(judgements.map((request) => model.complete(request)));
  const wallMs = performance.now() - startedAt;
  await model.close();
  const stats = await server.stats();
  return { completions: stats.completions, wallMs, stats };
}

function startWorker(address: string, stateDir: string): ChildProcess {
  const log = openSync(join(stateDir, 'worker.log'), 'a');
  const child = spawn(process.execPath, synthlabCliArgs('worker'), {
    cwd: repoRoot,
    stdio: ['ignore', log, log],
    env: { ...process.env, TEMPORAL_ADDRESS: address, SYNTHLAB_STATE_DIR: stateDir },
  });
  closeSync(log);
  return child;
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);

function printTable(results: readonly RowResult[]): void {
  const header = ['row', 'K', 'products', 'requests', 'direct/s', 'synthlab/s', 'ceiling/s', 'synthlab/direct', 'synthlab/ceiling', 'direct/ceiling', 'synthlab max in flight'];
  const rows = results.map(({ row, synthlab, direct, ceilingPerSecond }) => [
    row.name,
    String(row.slots),
    String(row.languages.length),
    String(synthlab.completions),
    fixed(perSecond(direct)),
    fixed(perSecond(synthlab)),
    fixed(ceilingPerSecond),
    fixed(perSecond(synthlab) / perSecond(direct), 3),
    fixed(perSecond(synthlab) / ceilingPerSecond, 3),
    fixed(perSecond(direct) / ceilingPerSecond, 3),
    String(synthlab.stats.maxServing),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => (cells[column] ?? '').length)));
  for (const cells of [header, ...rows]) console.log(cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  '));
}

/** llama-cpp-python's server serves one request at a time; K = 4 shows that its lock queues the rest. */
const LLAMA_CPP_CONCURRENCIES = [1, 4];
const LLAMA_CPP_SIZE = { requestsPerLabel: 2, maxTokens: 64 };

function printLlamaCppRows(rows: readonly LlamaCppRow[]): void {
  for (const { concurrency, synthlab, direct } of rows) {
    console.log(
      `llama.cpp k=${concurrency}: ${synthlab.completions} requests, ${synthlab.completionTokens} completion tokens through synthlab (${direct.completionTokens} direct); ` +
        `synthlab ${fixed(synthlab.wallMs / 1000)} s (server busy ${fixed(synthlab.activeMs / 1000)} s, requests at the server ${fixed(synthlab.serverMs / 1000)} s), ` +
        `direct ${fixed(direct.wallMs / 1000)} s (busy ${fixed(direct.activeMs / 1000)} s, at the server ${fixed(direct.serverMs / 1000)} s); ` +
        `most open at the server: synthlab ${synthlab.maxOpen}, direct ${direct.maxOpen}`,
    );
  }
  const [first, ...others] = rows;
  if (!first) return;
  const ratio = (row: LlamaCppRow) => fixed(completionsPerSecond(row.synthlab) / completionsPerSecond(row.direct), 3);
  // Replies differ in length between the two runs (llama-cpp-python's sampling is not reproducible
  // across its prompt cache), so tokens per second of server time compares the backend's speed, and
  // the busy share says how much of synthlab's wall time the server had work.
  const tokensPerServerSecond = (measured: LlamaCppRow['synthlab']) => (measured.completionTokens * 1000) / measured.activeMs;
  console.log(
    `llm-throughput-llamacpp: k=${first.concurrency} requests=${first.synthlab.completions} direct_per_s=${fixed(completionsPerSecond(first.direct), 3)} ` +
      `synthlab_per_s=${fixed(completionsPerSecond(first.synthlab), 3)} ratio_direct=${ratio(first)} ` +
      `synthlab_server_busy=${fixed(first.synthlab.activeMs / first.synthlab.wallMs, 3)} ` +
      `server_tokens_per_s_synthlab=${fixed(tokensPerServerSecond(first.synthlab), 1)} server_tokens_per_s_direct=${fixed(tokensPerServerSecond(first.direct), 1)} ` +
      others.map((row) => `k${row.concurrency}_ratio_direct=${ratio(row)} k${row.concurrency}_synthlab_per_s=${fixed(completionsPerSecond(row.synthlab), 3)} `).join('') +
      'server_slots=1',
  );
}

const OPTIONS = ['--keep', '--no-llamacpp', '--llamacpp-only'];

export async function run(args: string[]): Promise<number> {
  const keep = args.includes('--keep');
  const unknown = args.filter((arg) => !OPTIONS.includes(arg));
  if (unknown.length > 0) throw new Error(`unknown option "${unknown[0]}" (known: ${OPTIONS.join(', ')})`);
  const llamaCpp = !args.includes('--no-llamacpp');
  const capacity = !args.includes('--llamacpp-only');
  if (!llamaCpp && !capacity) throw new Error('--no-llamacpp and --llamacpp-only leave nothing to run');

  const stateDir = await mkdtemp(join(tmpdir(), 'synthlab-llm-throughput-'));
  console.log(`llm-throughput: state folder ${stateDir}`);
  const temporal = await startDevServer({ stateDir });
  const connection = await Connection.connect({ address: temporal.address });
  let worker: ChildProcess | undefined;
  const results: RowResult[] = [];
  let llamaCppRows: LlamaCppRow[] = [];
  try {
    const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
    worker = startWorker(temporal.address, stateDir);
    await waitForPollers(temporal.address, DEFAULT_NAMESPACE, 180_000);
    for (const row of capacity ? ROWS : []) {
      const server = await CapacityProcess.start(row.slots, row.tokenMs);
      try {
        const synthlab = await runSynthlab(client, row, server);
        const bodies = await server.requests();
        const direct = await runDirect(row, server, bodies);
        if (direct.completions !== synthlab.completions || direct.stats.serviceMs !== synthlab.stats.serviceMs) {
          throw new Error(`${row.name}: the direct driver served ${direct.completions} requests (${direct.stats.serviceMs} ms of service), synthlab ${synthlab.completions} (${synthlab.stats.serviceMs} ms)`);
        }
        const ceilingPerSecond = (row.slots * synthlab.completions * 1000) / synthlab.stats.serviceMs;
        results.push({ row, synthlab, direct, ceilingPerSecond });
        console.log(
          `${row.name}: ${synthlab.completions} requests (${synthlab.stats.generations} generations, ${synthlab.stats.judgements} judgements), ` +
            `token ${row.tokenMs} ms; synthlab ${fixed(synthlab.wallMs / 1000)} s (LLM busy ${fixed(synthlab.stats.activeMs / 1000)} s), direct ${fixed(direct.wallMs / 1000)} s, ` +
            `ceiling ${fixed(synthlab.stats.serviceMs / row.slots / 1000)} s`,
        );
      } finally {
        await server.stop();
      }
    }
    if (llamaCpp) llamaCppRows = await runLlamaCppRows(client, { concurrencies: LLAMA_CPP_CONCURRENCIES, threads: 2, size: LLAMA_CPP_SIZE });
  } finally {
    if (worker?.pid !== undefined) await stopProcess(worker.pid, 15_000);
    await connection.close();
    await stopProcess(temporal.pid, 15_000);
    if (!keep) await rm(stateDir, { recursive: true, force: true });
  }

  console.log('');
  printLlamaCppRows(llamaCppRows);
  if (!capacity) return 0;
  printTable(results);
  const k64 = results.find((result) => result.row.name === 'k=64');
  const single = results.find((result) => result.row.name === 'k=64 one product');
  if (!k64 || !single) throw new Error('the k=64 rows did not run');
  const synthlabPerSecond = perSecond(k64.synthlab);
  const directPerSecond = perSecond(k64.direct);
  console.log(
    `llm-throughput: k=64 direct_per_s=${fixed(directPerSecond)} synthlab_per_s=${fixed(synthlabPerSecond)} ceiling_per_s=${fixed(k64.ceilingPerSecond)} ` +
      `ratio_direct=${fixed(synthlabPerSecond / directPerSecond, 3)} ratio_ceiling=${fixed(synthlabPerSecond / k64.ceilingPerSecond, 3)} ` +
      `single_product_ratio=${fixed(perSecond(single.synthlab) / perSecond(single.direct), 3)}`,
  );
  return 0;
}
