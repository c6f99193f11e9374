/**
 * How the CLI reads a failure: down the cause chain (WorkflowFailedError → ChildWorkflowFailure →
 * ActivityFailure → ApplicationFailure) to the root, with the children and activity on the way.
 * The failures are built as the client builds them from a history.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, RetryState, TerminatedFailure } from '@temporalio/common';
import { expect, it } from 'vitest';
import { failedChildLines, failureCause, failureLines } from '../../src/cli/failures';

const root = ApplicationFailure.create({ type: 'DataError', message: '/data/x.csv, line 3: empty text (column "text")', nonRetryable: true });
const activity = new ActivityFailure('Activity task failed', 'generateSamples', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', root);
const child = new ChildWorkflowFailure('default', { workflowId: 'sweep/x/data/k', runId: 'r' }, 'dataProductWorkflow', RetryState.NON_RETRYABLE_FAILURE, activity);

it('reads the chain down to the root and names the child and the activity on the way', () => {
  const error = new WorkflowFailedError('Workflow execution failed', child, RetryState.NON_RETRYABLE_FAILURE);
  expect(failureCause(error)).toEqual({
    root: 'DataError: /data/x.csv, line 3: empty text (column "text")',
    path: ['child workflow sweep/x/data/k (dataProductWorkflow)', 'activity generateSamples'],
  });
  expect(failureLines(error)).toEqual([
    '  error: DataError: /data/x.csv, line 3: empty text (column "text")',
    '  via: child workflow sweep/x/data/k (dataProductWorkflow) → activity generateSamples',
  ]);
});

it('a failure of the workflow itself, and a terminated one, have no path', () => {
  const own = ApplicationFailure.create({ type: 'SweepFailed', message: 'every cell failed' });
  expect(failureLines(new WorkflowFailedError('Workflow execution failed', own, RetryState.NON_RETRYABLE_FAILURE))).toEqual(['  error: SweepFailed: every cell failed']);
  expect(failureCause(new WorkflowFailedError('Workflow execution failed', new TerminatedFailure('by hand'), RetryState.NON_RETRYABLE_FAILURE)).root).toBe('TerminatedFailure: by hand');
});

it('lists failed children with their kind and stage', () => {
  const cause = failureCause(child);
  expect(
    failedChildLines([
      { workflowId: 'sweep/x/data/k', type: 'dataProductWorkflow', stage: 'generate', cause },
      { workflowId: 'sweep/x/cell/c', type: 'cellWorkflow', stage: undefined, cause },
    ]),
  ).toEqual([`  failed data product sweep/x/data/k at stage generate: ${cause.root}`, `  failed cell sweep/x/cell/c: ${cause.root}`]);
});
