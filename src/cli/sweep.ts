/** `synthlab sweep start`, and starting a sweep from a loaded config. */
import { WorkflowFailedError, WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import type { LoadedSweepConfig } from '../config/load';
import { planSweep } from '../config/plan';
import { connectClient } from '../infra/client';
import { workflowUiUrl } from '../infra/ui-links';
import { TASK_QUEUES } from '../shared/constants';
import { SweepIdKey } from '../shared/search-attributes';
import { sweepWorkflowId } from '../shared/workflow-ids';
import { sweepTitle } from '../shared/summaries';
import type { sweepWorkflow, SweepProgress } from '../workflows/sweep';
import { checkedSweepConfig } from './checked-config';
import { failedChildLines, failedChildren, failureLines } from './failures';

/** Starts the sweep, or attaches to the run already in progress under the same id. */
export async function startSweep(client: Client, loaded: LoadedSweepConfig) {
  const sweepId = sweepWorkflowId(loaded.config.name);
  const plan = planSweep(loaded.config);
  return client.workflow.start<typeof sweepWorkflow>('sweepWorkflow', {
    workflowId: sweepId,
    taskQueue: TASK_QUEUES.cpu,
    args: [{ sweepId, config: loaded.config, configHash: loaded.configHash, dataRoot: loaded.dataRoot, datasets: loaded.datasets }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [{ key: SweepIdKey, value: sweepId }],
    memo: { configHash: loaded.configHash, configPath: loaded.path },
    staticSummary: sweepTitle(loaded.config.name, { dataProducts: plan.dataProducts.length, cells: plan.cells.length }),
    staticDetails: `sweep config \`${loaded.path}\``,
  });
}

export function formatProgress(progress: SweepProgress): string {
  const part = (name: string, counts: SweepProgress['cells']) =>
    `${name} ${counts.done}/${counts.total} done, ${counts.running} running, ${counts.failed} failed`;
  return `${part('data products', progress.dataProducts)}; ${part('cells', progress.cells)}`;
}

export async function sweepStartCommand(configPath: string, options: { wait: boolean }): Promise<number> {
  const loaded = await checkedSweepConfig(configPath);
  const connected = await connectClient();
  try {
    const handle = await startSweep(connected.client, loaded);
    console.log(`sweep ${handle.workflowId} started (run ${handle.firstExecutionRunId})`);
    if (connected.settings.uiUrl) console.log(`ui: ${workflowUiUrl(connected.settings.uiUrl, connected.settings.namespace, handle.workflowId)}`);
    if (options.wait) {
      let result: Awaited<ReturnType<typeof handle.result>>;
      try {
        result = await handle.result();
      } catch (error) {
        if (!(error instanceof WorkflowFailedError)) throw error;
        process.stderr.write(`${(await sweepFailureLines(connected.client, handle.workflowId, error)).join('\n')}\n`);
        return 1;
      }
      console.log(`sweep finished: ${result.cells.completed}/${result.cells.total} cells completed (${result.cells.reused} reused), ${result.failedTotal} failed, ${result.runs} run(s)`);
    }
    return 0;
  } finally {
    await connected.close();
  }
}

/** Failed children listed under a failed sweep's own error. */
const LISTED_FAILED_CHILDREN = 5;

/** Why a sweep failed: its own error and its failed children, each with the stage it failed in. */
export async function sweepFailureLines(client: Client, sweepId: string, error: unknown): Promise<string[]> {
  const children = await failedChildren(client, sweepId, LISTED_FAILED_CHILDREN).catch(() => []);
  return [
    `synthlab: sweep ${sweepId} failed`,
    ...failureLines(error),
    ...failedChildLines(children),
    ...(children.length === LISTED_FAILED_CHILDREN ? [`  (the first ${LISTED_FAILED_CHILDREN}; \`synthlab sweep status ${sweepId}\` prints the query for all)`] : []),
  ];
}
