/**
 * `synthlab sweep status`: a sweep's progress per stage, its ETA and UI links, or why it failed.
 * It talks to the server through temporal-wire/ (a few WorkflowService calls over HTTP/2) rather
 * than the SDK's client, whose load time was most of a status call; the SDK and the failure
 * converter load only for a sweep that failed. No config schema, pre-flight or data code loads.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CELL_RECORDS_FOLDER, PRODUCT_RECORDS_FOLDER, sweepRecordsFolder, sweepRecordsRoot } from '../artifacts/sweep-records-layout';
import { connectionSettings, type ConnectionSettings } from '../infra/connection';
import { artifactsDir } from '../infra/paths';
import { GrpcCallError, GrpcStatus } from '../infra/temporal-wire/grpc-unary';
import { PayloadReader } from '../infra/temporal-wire/payloads';
import { WireWorkflowNotFoundError, WORKFLOW_TASK_QUEUE_TYPE, WorkflowServiceWire } from '../infra/temporal-wire/workflow-service';
import { workflowSearchUiUrl, workflowUiUrl } from '../infra/ui-links';
import { STAGE_ATTRIBUTE_NAME } from '../shared/search-attribute-names';
import { cellWorkflowId, dataProductWorkflowId, parseSweepReference } from '../shared/workflow-ids';
import type { SweepProgress, SweepResult } from '../workflows/sweep';
import { noWorkflowMessage } from './no-workflow';

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
async function failedStages(wire: WorkflowServiceWire, payloads: PayloadReader, sweepId: string): Promise<Map<string, string>> {
  const stages = new Map<string, string>();
  for await (const execution of wire.list(`SweepId = '${sweepId}' AND ExecutionStatus = 'Failed'`)) {
    const stage = execution.searchAttributes.get(STAGE_ATTRIBUTE_NAME);
    if (stage) stages.set(execution.workflowId, String(await payloads.value(stage)));
  }
  return stages;
}

/**
 * Progress without a worker: the progress query needs one, the server's visibility records do
 * not. Counts child executions by type and state.
 */
async function countsFromVisibility(wire: WorkflowServiceWire, sweepId: string): Promise<string> {
  const count = (type: string, status: string) => wire.count(`SweepId = '${sweepId}' AND WorkflowType = '${type}' AND ExecutionStatus = '${status}'`);
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
 * polls for waits for its deadline, so it is sent only when a worker polls the sweep's task queue,
 * and with a shorter deadline (a worker that stopped a moment ago is still listed as a poller).
 */
async function progressFromWorker(wire: WorkflowServiceWire, payloads: PayloadReader, workflowId: string, taskQueue: string): Promise<SweepProgress | undefined> {
  if ((await wire.pollerCount(taskQueue, WORKFLOW_TASK_QUEUE_TYPE)) === 0) return undefined;
  try {
    const [progress] = await wire.query(workflowId, 'progress', PROGRESS_QUERY_DEADLINE_MS);
    return progress ? ((await payloads.value(progress)) as SweepProgress) : undefined;
  } catch (error) {
    if (error instanceof GrpcCallError) return undefined;
    throw error;
  }
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
  const records = sweepRecordsFolder(sweepRecordsRoot(artifactsDir()), sweepId);
  if (!existsSync(join(records, PRODUCT_RECORDS_FOLDER)) && !existsSync(join(records, CELL_RECORDS_FOLDER))) return;
  const { costSoFarLines } = await import('./cost-so-far');
  for (const line of await costSoFarLines(sweepId)) console.log(line);
}

/** Why a sweep that did not complete stopped, with its failed children: through the SDK client, whose failure converter reads the failures. */
async function printFailure(sweep: string, sweepId: string): Promise<void> {
  const [{ withClient }, { failedChildLines, failedChildren, workflowFailure }] = await Promise.all([import('./with-client'), import('./failures')]);
  await withClient(async ({ client }) => {
    const cause = await workflowFailure(client, sweepId);
    if (cause) console.log(`  error: ${cause.root}`);
    for (const line of failedChildLines(await failedChildren(client, sweepId, LISTED_FAILED_CHILDREN))) console.log(line);
    return 0;
  });
  console.log(`resume with \`synthlab sweep resume ${sweep}\` once the cause is fixed: finished work is reused`);
}

async function printStatusOnce(wire: WorkflowServiceWire, payloads: PayloadReader, settings: ConnectionSettings, sweep: string, sweepId: string): Promise<boolean> {
  const description = await wire.describe(sweepId);
  const elapsed = (description.closeTime ?? new Date()).getTime() - (description.startTime ?? new Date()).getTime();
  console.log(`${sweepId}: ${description.status}, ${Math.round(elapsed / 1000)} s`);
  const { uiUrl, namespace } = settings;
  if (uiUrl) console.log(`ui: ${workflowUiUrl(uiUrl, namespace, sweepId)}`);
  const failedQuery = failedCellsQuery(sweepId);
  console.log(`failed cells: temporal workflow list --query "${failedQuery}"`);
  if (uiUrl) console.log(`failed cells in the ui: ${workflowSearchUiUrl(uiUrl, namespace, failedQuery)}`);
  if (description.status === 'RUNNING') {
    const progress = await progressFromWorker(wire, payloads, sweepId, description.taskQueue);
    if (progress) console.log(formatStatus(progress, elapsed));
    else console.log(await countsFromVisibility(wire, sweepId));
    await printCostSoFar(sweepId);
    return true;
  }
  const close = description.status === 'COMPLETED' ? await wire.closeEvent(sweepId, description.runId) : { completed: false as const };
  if (close.completed) {
    const [encoded] = close.result;
    const result = (encoded ? await payloads.value(encoded) : undefined) as SweepResult | undefined;
    if (!result) throw new Error(`${sweepId} completed without a result`);
    console.log(formatStatus(finalProgress(result), elapsed));
    console.log(`runs: ${result.runs}, cells reused from earlier runs: ${result.cells.reused}, llm calls: ${result.llmCalls}, trainings: ${result.trainings}`);
    await printCostSoFar(sweepId);
    const stages = result.failedTotal > 0 ? await failedStages(wire, payloads, sweepId) : new Map<string, string>();
    for (const failure of result.failed) {
      const stage = stages.get(failure.kind === 'cell' ? cellWorkflowId(sweepId, failure.key) : dataProductWorkflowId(sweepId, failure.key));
      console.log(`  failed ${failure.kind} ${failure.key}${stage ? ` at stage ${stage}` : ''}: ${failure.message}`);
    }
    if (result.failedTotal > result.failed.length) console.log(`  … and ${result.failedTotal - result.failed.length} more failures`);
    if (result.failedTotal > 0) console.log(`resume with \`synthlab sweep resume ${sweep}\`: failed and unfinished cells run again, finished ones are reused`);
  } else {
    // Failed, terminated, timed out or cancelled: say why, and which children failed where.
    await printFailure(sweep, sweepId);
  }
  return false;
}

export async function sweepStatusCommand(sweep: string, options: { watch: boolean }): Promise<number> {
  const settings = connectionSettings();
  const sweepId = parseSweepReference(sweep).sweepId;
  const wire = new WorkflowServiceWire(settings.connectOptions, settings.namespace);
  const payloads = new PayloadReader();
  try {
    for (;;) {
      const running = await printStatusOnce(wire, payloads, settings, sweep, sweepId);
      if (!options.watch || !running) return 0;
      await new Promise((resolveWait) => setTimeout(resolveWait, 5_000));
    }
  } catch (error) {
    if (error instanceof WireWorkflowNotFoundError) {
      process.stderr.write(noWorkflowMessage(error.workflowId, settings.address));
      return 1;
    }
    if (error instanceof GrpcCallError && [GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED].includes(error.code as 4 | 14)) {
      process.stderr.write(`synthlab: the Temporal server at ${settings.address} did not answer (${error.details}); is it running? \`synthlab up\` starts the embedded one\n`);
      return 1;
    }
    throw error;
  } finally {
    await wire.close();
  }
}
