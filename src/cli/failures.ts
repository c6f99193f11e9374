/**
 * Why a workflow failed, for people: the cause chain of a failure (WorkflowFailedError →
 * ChildWorkflowFailure → ActivityFailure → ApplicationFailure) read down to the root, which says
 * what to fix, with the stage it happened in (the `Stage` search attribute). Used by
 * `sweep start --wait`, `sweep status` and `sweep show`.
 */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { StageKey } from '../shared/search-attributes';

export interface FailureCause {
  /** The root cause: its type and message (`DataError: /x.csv, line 3: empty text`). */
  root: string;
  /** Where it happened, outermost first: child workflows and the activity. */
  path: string[];
}

/** Reads a failure's cause chain down to its root. */
export function failureCause(error: unknown): FailureCause {
  const path: string[] = [];
  let current: unknown = error instanceof WorkflowFailedError ? (error.cause ?? error) : error;
  for (;;) {
    if (current instanceof ChildWorkflowFailure) path.push(`child workflow ${current.execution.workflowId} (${current.workflowType})`);
    else if (current instanceof ActivityFailure) path.push(`activity ${current.activityType}`);
    const next: unknown = current instanceof Error ? current.cause : undefined;
    if (!(next instanceof Error)) break;
    current = next;
  }
  if (!(current instanceof Error)) return { root: String(current), path };
  const type = current instanceof ApplicationFailure ? (current.type ?? 'ApplicationFailure') : current.name;
  return { root: `${type}: ${current.message}`, path };
}

/** `error: …` and, when the failure came through children or an activity, `via: …`. */
export function failureLines(error: unknown, indent = '  '): string[] {
  const { root, path } = failureCause(error);
  return [`${indent}error: ${root}`, ...(path.length > 0 ? [`${indent}via: ${path.join(' → ')}`] : [])];
}

export interface FailedWorkflow {
  workflowId: string;
  type: string;
  stage: string | undefined;
  cause: FailureCause;
}

/** A closed workflow's failure, read from its result (which replays nothing: the server has it). */
export async function workflowFailure(client: Client, workflowId: string): Promise<FailureCause | undefined> {
  try {
    await client.workflow.getHandle(workflowId).result();
    return undefined;
  } catch (error) {
    return failureCause(error);
  }
}

/** A sweep's failed children (data products and cells) with their stage and root cause, newest first. */
export async function failedChildren(client: Client, sweepId: string, limit: number): Promise<FailedWorkflow[]> {
  const found: FailedWorkflow[] = [];
  for await (const execution of client.workflow.list({ query: `SweepId = '${sweepId}' AND ExecutionStatus = 'Failed' AND WorkflowId != '${sweepId}'` })) {
    const cause = await workflowFailure(client, execution.workflowId);
    found.push({
      workflowId: execution.workflowId,
      type: execution.type,
      stage: execution.typedSearchAttributes.get(StageKey),
      cause: cause ?? { root: 'failed (no failure recorded)', path: [] },
    });
    if (found.length >= limit) break;
  }
  return found;
}

/** One line per failed child: `failed cell sweep/x/cell/k at stage fine-tune: DataError: …`. */
export function failedChildLines(children: readonly FailedWorkflow[], indent = '  '): string[] {
  return children.map((child) => {
    const kind = child.type === 'cellWorkflow' ? 'cell' : child.type === 'dataProductWorkflow' ? 'data product' : child.type;
    return `${indent}failed ${kind} ${child.workflowId}${child.stage ? ` at stage ${child.stage}` : ''}: ${child.cause.root}`;
  });
}
