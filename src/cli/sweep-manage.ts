/** `synthlab sweep list|status|resume|cancel|show`: watching and steering sweeps that exist. */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter, type PayloadConverter } from '@temporalio/common';
import { ArtifactStore } from '../artifacts/store';
import { sweepRecordsOf } from '../artifacts/sweep-records';
import { connectClient, type ConnectedClient } from '../infra/client';
import { artifactsDir } from '../infra/paths';
import { deviceLines, llmTotalsLine, sweepCosts, sweepPrice } from '../report/costs';
import { loadSweepResults } from '../report/load-sweep';
import { workflowSearchUiUrl, workflowUiUrl } from '../infra/ui-links';
import { DISPLAYED_SEARCH_ATTRIBUTE_NAMES, StageKey } from '../shared/search-attributes';
import { cellWorkflowId, dataProductWorkflowId, parseSweepReference } from '../shared/workflow-ids';
import type { SweepProgress, SweepResult } from '../workflows/sweep';
import { checkedSweepConfig } from './checked-config';
import { failedChildLines, failedChildren, failureLines, workflowFailure } from './failures';
import { startSweep } from './sweep';

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

/**
 * What the sweep has cost so far, from the records of its finished data products and cells in this
 * machine's state folder (none when the sweep runs elsewhere).
 */
export async function costSoFarLines(sweepId: string, recordsRoot: string = artifactsDir()): Promise<string[]> {
  const data = await loadSweepResults(sweepRecordsOf(new ArtifactStore(recordsRoot)), sweepId).catch(() => undefined);
  if (!data) return [];
  const costs = sweepCosts(data.dataProducts, data.cells);
  const price = sweepPrice(costs, data.prices);
  const planned = data.cells.length + data.missingCells.length;
  return [
    `cost so far (${data.dataProducts.length} data products and ${data.cells.length}/${planned} cells recorded): ${llmTotalsLine(costs.llm)}` +
      (price ? `, price ${price.amount.toFixed(4)}${price.currency ? ` ${price.currency}` : ''}` : ''),
    ...deviceLines(costs.devices).map((line) => `  ${line}`),
  ];
}

/** Runs a command with a client; a workflow id that does not exist is a clear error and exit code 1. */
async function withClient(work: (connected: ConnectedClient) => Promise<number>): Promise<number> {
  const connected = await connectClient();
  try {
    return await work(connected);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    process.stderr.write(
      `synthlab: no workflow ${error.workflowId} on ${connected.settings.address} ` +
        '(sweeps are sweep/<name>, cells sweep/<name>/cell/<key>; `synthlab sweep list` lists the sweeps)\n',
    );
    return 1;
  } finally {
    await connected.close();
  }
}

const idOf = (sweep: string) => parseSweepReference(sweep).sweepId;

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

/** The visibility query that lists a sweep's failed cells (the UI's search box takes it as is). */
export function failedCellsQuery(sweepId: string): string {
  return `SweepId = '${sweepId}' AND WorkflowType = 'cellWorkflow' AND CellStatus = 'failed'`;
}

export async function sweepListCommand(): Promise<number> {
  return withClient(async ({ client }) => {
    let count = 0;
    for await (const execution of client.workflow.list({ query: `WorkflowType = 'sweepWorkflow'` })) {
      count += 1;
      console.log(`${execution.workflowId.padEnd(32)} ${execution.status.name.padEnd(11)} started ${execution.startTime.toISOString()}`);
    }
    if (count === 0) console.log('no sweeps yet');
    return 0;
  });
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
        const progress = await handle.query<SweepProgress>('progress').catch(() => undefined);
        if (progress) console.log(formatStatus(progress, elapsed));
        else console.log(await countsFromVisibility(connected.client, handle.workflowId));
        for (const line of await costSoFarLines(handle.workflowId)) console.log(line);
      } else if (description.status.name === 'COMPLETED') {
        const result = (await handle.result()) as SweepResult;
        console.log(formatStatus(finalProgress(result), elapsed));
        console.log(`runs: ${result.runs}, cells reused from earlier runs: ${result.cells.reused}, llm calls: ${result.llmCalls}, trainings: ${result.trainings}`);
        for (const line of await costSoFarLines(handle.workflowId)) console.log(line);
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

export async function sweepCancelCommand(sweep: string): Promise<number> {
  return withClient(async ({ client }) => {
    const handle = client.workflow.getHandle(idOf(sweep));
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') {
      process.stderr.write(`synthlab: ${handle.workflowId} is already closed (${status.name}); nothing to cancel\n`);
      return 1;
    }
    await handle.cancel();
    console.log(`cancellation requested for ${handle.workflowId}: running cells and their training subprocesses are being stopped`);
    return 0;
  });
}

/** Starts a closed sweep again from its config; finished work is reused from the artifact store. */
export async function sweepResumeCommand(sweep: string, options: { config?: string }): Promise<number> {
  return withClient(async ({ client }) => {
    const handle = client.workflow.getHandle(idOf(sweep));
    const description = await handle.describe();
    if (description.status.name === 'RUNNING') {
      console.log(`${handle.workflowId} is still running; nothing to resume`);
      return 0;
    }
    const memo = (description.memo ?? {}) as { configPath?: string; configHash?: string };
    const configPath = options.config ?? memo.configPath;
    if (!configPath) throw new Error(`${handle.workflowId} has no recorded config path; pass --config <file>`);
    const loaded = await checkedSweepConfig(configPath);
    if (memo.configHash && memo.configHash !== loaded.configHash) {
      console.log(`note: ${configPath} changed since the sweep started; cells whose inputs changed will run anew`);
    }
    const resumed = await startSweep(client, loaded);
    console.log(`resumed ${resumed.workflowId} (run ${resumed.firstExecutionRunId}); finished cells are reused, failed and unfinished ones run again`);
    return 0;
  });
}

/**
 * A running execution's activities, with the progress they last heartbeated (e.g. training's phase
 * and epoch). Details the converter cannot read are named, not fatal: `show` still lists the activity.
 */
export function runningActivityLines(description: WorkflowExecutionDescription, converter: PayloadConverter = defaultPayloadConverter): string[] {
  return (description.raw.pendingActivities ?? []).map((activity) => {
    const details = activity.heartbeatDetails?.payloads?.[0];
    let progress = '';
    if (details) {
      try {
        progress = ` ${JSON.stringify(converter.fromPayload(details))}`;
      } catch {
        progress = ' (heartbeat details in an encoding this client does not read)';
      }
    }
    return `  running: ${activity.activityType?.name ?? 'activity'} (attempt ${activity.attempt ?? 1})${progress}`;
  });
}

async function describeCell(client: Client, workflowId: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  console.log(`${workflowId}: ${description.status.name} (${description.type})`);
  // The line it started with; a finished cell's line with its metric is the `summary` of its result, printed below.
  const title = await description.staticSummary();
  if (title) console.log(`  summary: ${title}`);
  for (const [key, values] of Object.entries(description.searchAttributes ?? {})) {
    if (DISPLAYED_SEARCH_ATTRIBUTE_NAMES.includes(key)) console.log(`  ${key}: ${String(values)}`);
  }
  if (description.status.name === 'RUNNING') {
    for (const line of runningActivityLines(description, client.workflow.options.loadedDataConverter.payloadConverter)) console.log(line);
  } else if (description.status.name === 'COMPLETED') {
    console.log(JSON.stringify(await handle.result(), null, 2));
  } else {
    // Failed, terminated, timed out or cancelled: the stage it stopped in and the root cause.
    const stage = description.typedSearchAttributes.get(StageKey);
    if (stage !== undefined) console.log(`  failed at stage: ${stage}`);
    try {
      await handle.result();
    } catch (error) {
      for (const line of failureLines(error)) console.log(line);
    }
  }
}

export async function sweepShowCommand(cellId: string): Promise<number> {
  return withClient(async ({ client }) => {
    await describeCell(client, cellId);
    return 0;
  });
}
