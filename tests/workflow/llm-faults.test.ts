/**
 * LLM faults at sweep level: the data products of a small sweep (Welsh SIB-200, TargetDemos and
 * TargetDemos+Revision: generate → judge → dedupe) run at once on a real worker
 * against a real dev server and the real llama-cpp-python server, through the fault-injecting
 * proxy (tests/helpers/fault-proxy.ts), three times:
 *   1. with no faults: the reference;
 *   2. with 30% of requests answered with a transport fault (429 with and without retry-after,
 *      500, 503, hangs past the client timeout, resets, malformed JSON, empty completions): each
 *      fault costs its request a backoff and a retry, every product completes, and every reply,
 *      kept sample and verdict equals run 1's (greedy sampling, checked deterministic first);
 *   3. with content faults (completions cut short, replies in the wrong language), which the client
 *      accepts as replies, so the parsers must deal with them: wrong-language samples are rejected by
 *      the script check or the verdict parser and none is kept, and cut replies are recorded with
 *      finish reason `length` (the parser drops their last line). Kept samples cannot match run 1
 *      here: a poisoned reply stands where the real one would have been.
 * The test prints faults injected by kind, retries by type and time lost to backoff, and writes the
 * provider's concurrency over time during run 2 to .synthlab/test-reports/llm-faults-concurrency.{json,svg}. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DataProductResult } from '../../src/artifacts/results';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import { planSweep } from '../../src/config/plan';
import type { StrategyName } from '../../src/config/strategies';
import { getDatasetSpec } from '../../src/data/registry';
import { repoRoot } from '../../src/infra/paths';
import { resolveModelPath } from '../../src/llm/packaged-models';
import { findProviderLoad } from '../../src/llm/provider-load';
import { stepChartSvg } from '../../src/report/svg';
import { TASK_QUEUES } from '../../src/shared/constants';
import { dataProductWorkflow, type DataProductInput } from '../../src/workflows/data-product';
import { CONTENT_FAULTS, startFaultProxy, TRANSPORT_FAULTS, WRONG_LANGUAGE_LINES, type FaultKind, type FaultProxy } from '../helpers/fault-proxy';
import { startLlamaServer, type LlamaServer } from '../helpers/llama-server';
import { dataRoot, startInProcessWorkers, testSweepConfig, type InProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

const FAULT_RATE = 0.3;
const CONCURRENCY = 3;
/** Long enough that a real request waiting behind the others on a busy machine is not cut off (its retry would meet a warm prompt cache, and could answer differently). */
const TIMEOUT_MS = 45_000;
const reportDir = join(repoRoot, '.synthlab', 'test-reports');
const keptSchema = z.looseObject({ label: z.string(), text: z.string() });
const rejectSchema = z.looseObject({ label: z.string(), text: z.string(), verdict: z.string().optional(), reply: z.string().optional() });
const requestSchema = z.looseObject({ label: z.string(), requestIndex: z.number(), reply: z.string(), finishReason: z.string() });
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/u;

let temporal: TestTemporal;
let llama: LlamaServer;
let workers: InProcessWorkers;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-llm-faults-');
  llama = await startLlamaServer({ modelPath: resolveModelPath('packaged:smollm2-135m-instruct'), seed: 1234 });
  // The real model source: every activity builds its provider as a worker does, and the provider
  // registry (adaptive concurrency, fault counts) lives in this process, where the test reads it.
  workers = await startInProcessWorkers(temporal, undefined);
}, 300_000);

afterAll(async () => {
  await workers?.stop();
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await llama?.stop();
  await temporal?.stop();
});

interface ProductRun {
  /** Language and strategy. */
  name: string;
  requests: Array<z.infer<typeof requestSchema>>;
  result: DataProductResult;
  kept: Array<z.infer<typeof keptSchema>>;
  rejects: Array<z.infer<typeof rejectSchema>>;
}

interface Run {
  proxy: FaultProxy;
  products: ProductRun[];
  seconds: number;
}

/**
 * Runs every data product of a small sweep at once through a new proxy (a new baseURL, so new
 * product keys: nothing is reused between runs). The products share the worker's provider, and so
 * its adaptive concurrency.
 */
async function runProducts(
  name: string,
  strategies: StrategyName[],
  languages: string[],
  faults: { rate: number; kinds: readonly FaultKind[]; seed: number; kindOrder?: 'seeded' | 'cycle'; rateOrder?: 'seeded' | 'spread' },
): Promise<Run> {
  const proxy = await startFaultProxy({ upstream: llama.baseURL, seed: faults.seed, faultRate: faults.rate, kinds: faults.kinds, kindOrder: faults.kindOrder ?? 'seeded', rateOrder: faults.rateOrder ?? 'seeded', retryAfterSeconds: 1, resetPromptCache: true });
  proxies.push(proxy);
  const config = testSweepConfig({
    tinyModel: '/unused/no/training/here',
    name,
    seeds: [1],
    goldBaseline: false,
    strategies,
    languages,
    generators: [
      {
        name: 'smollm2',
        provider: { kind: 'openai-compatible', baseURL: proxy.baseURL, model: 'smollm2', apiKeyEnv: 'SYNTHLAB_TEST_UNUSED_KEY', concurrency: CONCURRENCY, timeoutMs: TIMEOUT_MS, faultBudgetSeconds: 120, contextSize: 2048 },
      },
    ],
    // Greedy with no repetition penalty: the only sampling llama-cpp-python reproduces (see the first test), so one request per label.
    generation: { samplesPerLabel: 3, samplesPerRequest: 4, maxRequestsPerLabel: 1, demosPerLabel: 3, sampling: { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 48, seed: 11 } },
    revision: { sampling: { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 12, seed: 5 } },
    selection: { perLabel: 1 },
  });
  const started = performance.now();
  const products = await Promise.all(
    planSweep(config).dataProducts.map(async (product): Promise<ProductRun> => {
      const input: DataProductInput = { sweepId: `sweep/${name}`, dataRoot, dataset: getDatasetSpec('sib200'), product };
      await temporal.client.workflow.execute(dataProductWorkflow, { workflowId: `${input.sweepId}/data/${product.key}`, taskQueue: TASK_QUEUES.cpu, args: [input] });
      const result = (await sweepRecordsOf(workers.store).readDataProducts(input.sweepId)).get(product.key);
      if (!result) throw new Error(`no record of data product ${product.key} in ${input.sweepId}`);
      const kept = await workers.store.readJsonl(result.dataset, keptSchema);
      const rejects = result.rejects ? await workers.store.readJsonl(result.rejects, rejectSchema) : [];
      const requests = await workers.store.readJsonl(result.requests!, requestSchema);
      return { name: `${product.language} ${product.strategy}`, result, kept, rejects, requests };
    }),
  );
  return { proxy, products, seconds: (performance.now() - started) / 1000 };
}

const verdictOf = (reject: z.infer<typeof rejectSchema>) => `${reject.label}\t${reject.text}\t${reject.verdict ?? ''}\t${reject.reply ?? ''}`;
const sortedTexts = (rows: ReadonlyArray<{ label: string; text: string }>) => rows.map((row) => `${row.label}\t${row.text}`).sort();
const sum = (counts: Record<string, number> | number[]) => Object.values(counts).reduce((total, count) => total + count, 0);

describe('a small sweep through a proxy that answers 30% of requests with a fault', () => {
  // llama-cpp-python 0.3.16: a request's seed does not fix a sampled reply, a repetition penalty is
  // applied differently after a cached prompt prefix, and how much of the previous prompt it reuses
  // changes a small model's logits. So the runs below sample greedily with no repetition penalty,
  // and the proxy resets the prompt cache before each request; this checks the server for short
  // greedy requests that share no more than the chat template.
  it('the server answers a greedy request without repetition penalty the same whatever came before', async () => {
    const complete = async (topic: string) => {
      const body = {
        model: 'smollm2',
        messages: [
          { role: 'system', content: 'You write realistic training data for text classifiers, in fluent Welsh.' },
          { role: 'user', content: `Write four short news sentences in Welsh whose topic is "${topic}", one per line, with no numbering.` },
        ],
        temperature: 0,
        top_p: 1,
        max_tokens: 40,
        seed: 11,
      };
      const response = await fetch(`${llama.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;
    };
    const first = await complete('sports');
    await complete('travel');
    expect(await complete('sports'), 'llama-cpp-python is not deterministic here: the kept samples of two runs cannot be compared').toBe(first);
  });

  it('completes with the same kept samples and the same verdicts as a run without faults', async () => {
    const strategies: StrategyName[] = ['TargetDemos', 'TargetDemos+Revision'];
    // One language: the proxy sends requests upstream one at a time, so every request costs the
    // run its time. Faults are spread by arrival and their kinds taken in turn, so a run this short
    // still meets 30% of faults and most kinds.
    const reference = await runProducts('llm-faults-none', strategies, ['cy'], { rate: 0, kinds: [], seed: 1 });
    const faulty = await runProducts('llm-faults-transport', strategies, ['cy'], { rate: FAULT_RATE, kinds: TRANSPORT_FAULTS, seed: 11, kindOrder: 'cycle', rateOrder: 'spread' });

    const injected = faulty.proxy.injected();
    const injectedTotal = sum(injected);
    const load = findProviderLoad({ baseURL: faulty.proxy.baseURL, model: 'smollm2' });
    if (!load) throw new Error('the worker never built a provider for the faulty run');
    const received = faulty.proxy.stats().received;
    const keptOf = (run: Run) => run.products.map((product) => `${product.name} ${product.kept.length}`).join(', ');
    console.log(
      [
        `llm faults (transport): ${injectedTotal} faults in ${received} requests (${((100 * injectedTotal) / received).toFixed(0)}%) injected by kind ${JSON.stringify(injected)}`,
        `  retries ${load.faults.retries} by type ${JSON.stringify(load.faults.retriesByType)}; time lost to backoff ${(load.faults.backoffMs / 1000).toFixed(1)} s (summed over requests)`,
        `  concurrency limit: declared ${CONCURRENCY}, ${load.concurrency.decreases} decreases, lowest ${Math.min(...load.concurrency.samples().map((sample) => sample.limit))}`,
        `  without faults ${reference.seconds.toFixed(0)} s (${reference.proxy.stats().received} requests), with faults ${faulty.seconds.toFixed(0)} s; kept (${keptOf(reference)}) and (${keptOf(faulty)})`,
      ].join('\n'),
    );
    await writeConcurrencyReport(load.concurrency.samples(), faulty);

    expect(sum(reference.products.map((product) => product.kept.length)), 'the reference run kept nothing: there is nothing to compare').toBeGreaterThan(0);
    expect(faulty.products.map((product) => product.name)).toEqual(reference.products.map((product) => product.name));
    faulty.products.forEach((product, index) => {
      const expected = reference.products[index]!;
      const differing = product.requests.filter((request) => {
        const before = expected.requests.find((other) => other.label === request.label && other.requestIndex === request.requestIndex);
        return before?.reply !== request.reply;
      });
      expect(differing.map((request) => `${request.label} ${request.requestIndex}`), `${product.name}: replies that differ from the run without faults`).toEqual([]);
      expect(sortedTexts(product.kept), `${product.name}: kept samples`).toEqual(sortedTexts(expected.kept));
      expect(product.rejects.map(verdictOf).sort(), `${product.name}: the judge's verdicts`).toEqual(expected.rejects.map(verdictOf).sort());
      expect(product.result.counts, product.name).toEqual(expected.result.counts);
      expect(product.result.llmCalls, 'LLM calls count answered requests, not retries').toBe(expected.result.llmCalls);
    });
    expect(injectedTotal / received).toBeGreaterThan(0.15);
    // At least one retry per injected fault; more only where a real request outlived the client timeout on a busy machine.
    expect(load.faults.retries).toBeGreaterThanOrEqual(injectedTotal);
    const kindsSeen = TRANSPORT_FAULTS.filter((kind) => injected[kind] > 0);
    // Every kind is injected into every request in tests/llm/fault-retry.test.ts; here, most of them into a real run.
    expect(kindsSeen.length, `only ${kindsSeen.join(', ')} were injected`).toBeGreaterThanOrEqual(5);
  }, 600_000);

  it('rejects replies in the wrong language and drops the cut last line of truncated ones', async () => {
    const run = await runProducts('llm-faults-content', ['TargetDemos+Revision'], ['cy'], { rate: 0.5, kinds: CONTENT_FAULTS, seed: 5, kindOrder: 'cycle' });
    const injected = run.proxy.injected();
    const [product] = run.products;
    if (!product) throw new Error('the content-fault run made no data product');
    console.log(`llm faults (content): injected ${JSON.stringify(injected)} in ${run.proxy.stats().received} requests; kept ${product.kept.length}; ${run.seconds.toFixed(0)} s`);
    expect(injected['wrong-language']).toBeGreaterThan(0);
    expect(injected.truncated).toBeGreaterThan(0);

    expect(product.kept.filter((row) => JAPANESE.test(row.text)), 'a wrong-language sample was kept').toEqual([]);
    const { requests } = product;
    const wrongReply = WRONG_LANGUAGE_LINES.join('\n');
    const poisonedGenerations = requests.filter((request) => request.reply === wrongReply);
    const unparsedVerdicts = product.rejects.filter((reject) => reject.verdict === 'unparsed' && reject.reply === wrongReply);
    // A wrong-language reply met either a generation request (its lines fail the script check) or a judge request (no verdict).
    expect(poisonedGenerations.length + unparsedVerdicts.length).toBe(injected['wrong-language']);
    if (poisonedGenerations.length > 0) {
      expect(product.rejects.filter((reject) => reject.verdict === 'wrong_script' && JAPANESE.test(reject.text)).length).toBeGreaterThan(0);
    }
    expect(requests.filter((request) => request.finishReason === 'length').length).toBeGreaterThan(0);
  }, 600_000);
});

async function writeConcurrencyReport(samples: ReadonlyArray<{ atMs: number; limit: number; inFlight: number }>, run: Run): Promise<void> {
  const start = samples[0]?.atMs ?? 0;
  const points = samples.map((sample) => ({ seconds: (sample.atMs - start) / 1000, limit: sample.limit, inFlight: sample.inFlight }));
  await mkdir(reportDir, { recursive: true });
  await writeFile(
    join(reportDir, 'llm-faults-concurrency.json'),
    `${JSON.stringify({ declaredConcurrency: CONCURRENCY, faultRate: FAULT_RATE, injected: run.proxy.injected(), runSeconds: run.seconds, samples: points }, null, 2)}\n`,
  );
  const svg = stepChartSvg({
    title: `Adaptive concurrency through ${Math.round(FAULT_RATE * 100)}% LLM faults (llama-cpp-python, SmolLM2-135M)`,
    xLabel: 'seconds since the provider was first used',
    yLabel: 'requests allowed at once',
    series: [{ name: 'AIMD limit', points: points.map((point) => ({ x: point.seconds, y: point.limit })) }],
    xEnd: run.seconds,
    note: `declared concurrency ${CONCURRENCY}; halved on 429s and timeouts, +1/limit per success`,
  });
  await writeFile(join(reportDir, 'llm-faults-concurrency.svg'), svg);
}
