/**
 * How good `sweep plan`'s estimate of LLM requests and tokens is: runs a config's data products
 * (its LLM stages; no cell trains) on a real dev server and a real `synthlab worker` process in a
 * state folder of its own, then prints the estimate beside what the records say they took.
 *
 *   npm run bench -- plan-estimate [config] [--keep]     (config: configs/demo.yaml unless given)
 *
 * Ends with:
 *   plan-estimate: config=<name> requests=<actual> estimated=<n> at_most=<n> prompt_tokens=<actual> estimated=<n> completion_tokens=<actual> estimated=<n>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { ArtifactStore } from '../src/artifacts/store';
import { sweepRecordsOf } from '../src/artifacts/sweep-records';
import { checkedSweepConfig } from '../src/cli/checked-config';
import { estimatePlanUsage } from '../src/cli/sweep-estimate';
import { ESTIMATE_ASSUMPTIONS, type UsageEstimate } from '../src/config/estimate';
import { planSweep } from '../src/config/plan';
import { startDevServer, stopProcess } from '../src/infra/dev-server';
import { repoRoot, synthlabCliArgs } from '../src/infra/paths';
import { waitForPollers } from '../src/infra/stack';
import { sweepCosts } from '../src/report/costs';
import { DEFAULT_NAMESPACE, TASK_QUEUES } from '../src/shared/constants';
import { sweepWorkflowId } from '../src/shared/workflow-ids';
import type { dataProductWorkflow } from '../src/workflows/data-product';

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

const ratio = (actual: number, estimated: number) => (estimated > 0 ? (actual / estimated).toFixed(2) : '–');

export async function run(args: string[]): Promise<number> {
  const keep = args.includes('--keep');
  const rest = args.filter((arg) => arg !== '--keep');
  const unknown = rest.filter((arg) => arg.startsWith('-'));
  if (unknown.length > 0 || rest.length > 1) throw new Error(`usage: npm run bench -- plan-estimate [config] [--keep] (got ${args.join(' ')})`);
  const configPath = rest[0] ?? 'configs/demo.yaml';

  const loaded = await checkedSweepConfig(configPath);
  const plan = planSweep(loaded.config);
  const estimate = await estimatePlanUsage(loaded, plan);
  const sweepId = sweepWorkflowId(loaded.config.name);

  const stateDir = await mkdtemp(join(tmpdir(), 'synthlab-plan-estimate-'));
  console.log(`plan-estimate: ${plan.dataProducts.length} data products of ${configPath}; state folder ${stateDir}`);
  const temporal = await startDevServer({ stateDir });
  const connection = await Connection.connect({ address: temporal.address });
  let worker: ChildProcess | undefined;
  let wallMs = 0;
  try {
    const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
    worker = startWorker(temporal.address, stateDir);
    await waitForPollers(temporal.address, DEFAULT_NAMESPACE, 180_000);
    const startedAt = performance.now();
    const pending = [...plan.dataProducts];
    // The config's window of data products at once, as the sweep would run them.
    await Promise.all(
      Array.from({ length: Math.min(loaded.config.concurrency.dataProducts, pending.length) }, async () => {
        for (let product = pending.shift(); product; product = pending.shift()) {
          const dataset = loaded.datasets[product.task];
          if (!dataset) throw new Error(`no dataset for task ${product.task}`);
          await client.workflow.execute<typeof dataProductWorkflow>('dataProductWorkflow', {
            workflowId: `${sweepId}/data/${product.key}`,
            taskQueue: TASK_QUEUES.cpu,
            args: [{ sweepId, dataRoot: loaded.dataRoot, dataset, product }],
          });
        }
      }),
    );
    wallMs = performance.now() - startedAt;
  } finally {
    if (worker?.pid !== undefined) await stopProcess(worker.pid, 15_000);
    await connection.close();
    await stopProcess(temporal.pid, 15_000);
  }

  const products = [...(await sweepRecordsOf(new ArtifactStore(join(stateDir, 'artifacts'))).readDataProducts(sweepId)).values()];
  if (!keep) await rm(stateDir, { recursive: true, force: true });
  const costs = sweepCosts(products, []);
  const actualOf = (key: string): UsageEstimate => {
    const stages = costs.stages.filter((stage) => stage.key === key);
    return {
      requests: stages.reduce((sum, stage) => sum + stage.usage.requests, 0),
      promptTokens: stages.reduce((sum, stage) => sum + stage.usage.promptTokens, 0),
      completionTokens: stages.reduce((sum, stage) => sum + stage.usage.completionTokens, 0),
    };
  };
  console.log(`ran in ${(wallMs / 1000).toFixed(1)} s; actual / estimated (at most):`);
  for (const product of estimate.products) {
    const actual = actualOf(product.key);
    const expected = [product.generate, product.revise].reduce<UsageEstimate>(
      (sum, stage) => (stage ? { requests: sum.requests + stage.expected.requests, promptTokens: sum.promptTokens + stage.expected.promptTokens, completionTokens: sum.completionTokens + stage.expected.completionTokens } : sum),
      { requests: 0, promptTokens: 0, completionTokens: 0 },
    );
    console.log(
      `  ${product.key}: requests ${actual.requests} / ${expected.requests}, prompt tokens ${actual.promptTokens} / ${expected.promptTokens} (${ratio(actual.promptTokens, expected.promptTokens)}), ` +
        `completion tokens ${actual.completionTokens} / ${expected.completionTokens} (${ratio(actual.completionTokens, expected.completionTokens)})`,
    );
  }
  console.log(`assumptions: ${ESTIMATE_ASSUMPTIONS}`);
  const { expected, atMost } = estimate.total;
  const { llm } = costs;
  console.log(
    `plan-estimate: config=${loaded.config.name} requests=${llm.requests} estimated=${expected.requests} at_most=${atMost.requests} ` +
      `prompt_tokens=${llm.promptTokens} estimated=${expected.promptTokens} completion_tokens=${llm.completionTokens} estimated=${expected.completionTokens}`,
  );
  return 0;
}
