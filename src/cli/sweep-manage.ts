/** `synthlab sweep list|resume|cancel|show`: steering and inspecting sweeps that exist (`status`: ./sweep-status.ts). */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter, type PayloadConverter } from '@temporalio/common';
import { DISPLAYED_SEARCH_ATTRIBUTE_NAMES, StageKey } from '../shared/search-attributes';
import { checkedSweepConfig } from './checked-config';
import { failureLines } from './failures';
import { startSweep } from './sweep';
import { idOf, withClient } from './with-client';

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
