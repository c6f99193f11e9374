/**
 * `synthlab sweep status`: a sweep's progress per stage, its ETA and UI links, or why it failed.
 * Kept apart from the other sweep commands so that it loads only the Temporal client: no config
 * schema, pre-flight or data code (the CLI's start time is most of a status call).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { artifactsDir } from '../infra/paths';
import { workflowSearchUiUrl, workflowUiUrl } from '../infra/ui-links';
import { safeFileSegment } from '../shared/file-names';
import { StageKey } from '../shared/search-attributes';
import { cellWorkflowId, dataProductWorkflowId } from '../shared/workflow-ids';
import type { SweepProgress, SweepResult } from '../workflows/sweep';
import { failedChildLines, failedChildren, workflowFailure } from './failures';
import { idOf, withClient } from './with-client';

/** `TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW` of the Temporal API. */
const WORKFLOW_TASK_QUEUE_TYPE = 1;

const BAR_WIDTH = 30;

function bar(done: number, failed: number, total: number): string {
  if (total === 0) return `[${' '.repeat(BAR_WIDTH)}]`;
  const doneWidth = Math.round((done / total) * BAR_WIDTH);
  const failedWidth = Math.min(BAR_WIDTH - doneWidth, Math.round((failed / total) * BAR_WIDTH));
  return `[${'#'.repeat(doneWidth)}${'x'.repeat(failedWidth)}${'.'.repeat(BAR_WIDTH - doneWidth - failedWidth)}]`;
}

function finalProgress(result: SweepResult): SweepProgress {
  return {
    dataProducts: { total: result.dataProducts.total, done: result.dataProducts.completed, running: 0, failed: result.dataProducts.failed },
    cells: { total: result.cells.total, done: result.cells.completed, running: 0, failed: result.cells.failed },
    run: result.runs,
  };
}

export function formatStatus(progress: SweepProgress, elapsedMs: number): string {
  const lines: string[] = [];
  for (const [name, counts] of [
    ['data products', progress.dataProducts],
    ['cells', progress.cells],
  ] as const) {
    const pending = counts.total - counts.done - counts.running - counts.failed;
    lines.push(
      `${name.padEnd(13)} ${bar(counts.done, counts.failed, counts.total)} ${counts.done}/${counts.total} done, ` +
        `${counts.running} running, ${counts.failed} failed, ${Math.max(0, pending)} pending`,
    );
  }
  if (progress.run > 1) lines.push(`run ${progress.run} of this sweep (it continues as new to keep each history small)`);
  const finished = progress.cells.done + progress.cells.failed;
  if (finished > 0 && finished < progress.cells.total) {
    const etaSeconds = Math.round(((elapsedMs / finished) * (progress.cells.total - finished)) / 1000);
    lines.push(`eta ~${etaSeconds >= 120 ? `${Math.round(etaSeconds / 60)} min` : `${etaSeconds} s`} (from the pace so far)`);
  }
  return lines.join('\n');
}

/** Failed children listed by `status` under a sweep that failed. */
const LISTED_FAILED_CHILDREN = 10;

/** The stage each failed child of a sweep stopped in, by workflow id (from the server's records). */
async function failedStages(client: Client, sweepId: string): Promise<Map<string, string>> {
  const stages = new Map<string, string>();
  for await (const execution of client.workflow.list({ query: `SweepId = '${sweepId}' AND ExecutionStatus = 'Failed'` })) {
    const stage = execution.typedSearchAttributes.get(StageKey);
    if (stage !== undefined) stages.set(execution.workflowId, stage);
  }
  return stages;
}

/**
 * Progress without a worker: the progress query needs one, the server's visibility records do
 * not. Counts child executions by type and state.
 */
async function countsFromVisibility(client: Client, sweepId: string): Promise<string> {
  const count = async (type: string, status: string) =>
    Number((await client.workflow.count(`SweepId = '${sweepId}' AND WorkflowType = '${type}' AND ExecutionStatus = '${status}'`)).count);
  const lines = ['no worker answered the progress query (is one running? `synthlab up` starts one); from the server\'s records:'];
  for (const [name, type] of [
    ['data products', 'dataProductWorkflow'],
    ['cells', 'cellWorkflow'],
  ] as const) {
    const [completed, running, failed] = await Promise.all(['Completed', 'Running', 'Failed'].map((status) => count(type, status)));
    lines.push(`${name.padEnd(13)} ${completed} completed, ${running} running (waiting for a worker), ${failed} failed`);
  }
  return lines.join('\n');
}

/** The longest a worker may take to answer the progress query before the server's records are shown instead. */
const PROGRESS_QUERY_DEADLINE_MS = 10_000;

/**
 * The sweep's progress from its worker, or undefined when none answers. A query that no worker
 * polls for waits for its deadline (half a minute by default), so it is sent only when a worker
 * polls the sweep's task queue, and with a shorter deadline (a worker that stopped a moment ago is
 * still listed as a poller).
 */
async function progressFromWorker(client: Client, namespace: string, taskQueue: string, query: () => Promise<SweepProgress>): Promise<SweepProgress | undefined> {
  const { pollers } = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType: WORKFLOW_TASK_QUEUE_TYPE });
  if (!pollers?.length) return undefined;
  return client.withDeadline(Date.now() + PROGRESS_QUERY_DEADLINE_MS, query).catch(() => undefined);
}

/** The visibility query that lists a sweep's failed cells (the UI's search box takes it as is). */
export function failedCellsQuery(sweepId: string): string {
  return `SweepId = '${sweepId}' AND WorkflowType = 'cellWorkflow' AND CellStatus = 'failed'`;
}

/**
 * The records and report code load only once this machine holds a finished product or cell of the
 * sweep: before that there is no cost to show, and status stays as quick as the client allows.
 */
async function printCostSoFar(sweepId: string): Promise<void> {
  const records = join(artifactsDir(), 'sweeps', safeFileSegment(sweepId));
  if (!existsSync(join(records, 'products')) && !existsSync(join(records, 'cells'))) return;
  const { costSoFarLines } = await import('./cost-so-far');
  for (const line of await costSoFarLines(sweepId)) console.log(line);
}

export async function sweepStatusCommand(sweep: string, options: { watch: boolean }): Promise<number> {
  return withClient(async (connected) => {
    const handle = connected.client.workflow.getHandle(idOf(sweep));
    for (;;) {
      const description = await handle.describe();
      const elapsed = (description.closeTime ?? new Date()).getTime() - description.startTime.getTime();
      console.log(`${handle.workflowId}: ${description.status.name}, ${Math.round(elapsed / 1000)} s`);
      const { uiUrl, namespace } = connected.settings;
      if (uiUrl) console.log(`ui: ${workflowUiUrl(uiUrl, namespace, handle.workflowId)}`);
      const failedQuery = failedCellsQuery(handle.workflowId);
      console.log(`failed cells: temporal workflow list --query "${failedQuery}"`);
      if (uiUrl) console.log(`failed cells in the ui: ${workflowSearchUiUrl(uiUrl, namespace, failedQuery)}`);
      if (description.status.name === 'RUNNING') {
        const progress = await progressFromWorker(connected.client, connected.settings.namespace, description.taskQueue, () => handle.query<SweepProgress>('progress'));
        if (progress) console.log(formatStatus(progress, elapsed));
        else console.log(await countsFromVisibility(connected.client, handle.workflowId));
        await printCostSoFar(handle.workflowId);
      } else if (description.status.name === 'COMPLETED') {
        const result = (await handle.result()) as SweepResult;
        console.log(formatStatus(finalProgress(result), elapsed));
        console.log(`runs: ${result.runs}, cells reused from earlier runs: ${result.cells.reused}, llm calls: ${result.llmCalls}, trainings: ${result.trainings}`);
        await printCostSoFar(handle.workflowId);
        const stages = result.failedTotal > 0 ? await failedStages(connected.client, handle.workflowId) : new Map<string, string>();
        for (const failure of result.failed) {
          const stage = stages.get(failure.kind === 'cell' ? cellWorkflowId(handle.workflowId, failure.key) : dataProductWorkflowId(handle.workflowId, failure.key));
          console.log(`  failed ${failure.kind} ${failure.key}${stage ? ` at stage ${stage}` : ''}: ${failure.message}`);
        }
        if (result.failedTotal > result.failed.length) console.log(`  … and ${result.failedTotal - result.failed.length} more failures`);
        if (result.failedTotal > 0) console.log(`resume with \`synthlab sweep resume ${sweep}\`: failed and unfinished cells run again, finished ones are reused`);
      } else {
        // Failed, terminated, timed out or cancelled: say why, and which children failed where.
        const cause = await workflowFailure(connected.client, handle.workflowId);
        if (cause) console.log(`  error: ${cause.root}`);
        for (const line of failedChildLines(await failedChildren(connected.client, handle.workflowId, LISTED_FAILED_CHILDREN))) console.log(line);
        console.log(`resume with \`synthlab sweep resume ${sweep}\` once the cause is fixed: finished work is reused`);
      }
      if (!options.watch || description.status.name !== 'RUNNING') return 0;
      await new Promise((resolveWait) => setTimeout(resolveWait, 5_000));
    }
  });
}
