import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { runningActivityLines } from '../../src/cli/sweep-manage';

/** Only the field `runningActivityLines` reads; the real shape is checked in tests/workflow/cancel.test.ts. */
function describing(pendingActivities: unknown[]): WorkflowExecutionDescription {
  return { raw: { pendingActivities } } as unknown as WorkflowExecutionDescription;
}

describe('runningActivityLines', () => {
  it('prints each running activity with the progress it heartbeated', () => {
    const details = defaultPayloadConverter.toPayload({ phase: 'train', epoch: 2 });
    const lines = runningActivityLines(
      describing([
        { activityType: { name: 'fineTuneAndEvaluate' }, attempt: 2, heartbeatDetails: { payloads: [details] } },
        { activityType: { name: 'selectTrainingSet' }, attempt: 1 },
      ]),
    );
    expect(lines).toEqual(['  running: fineTuneAndEvaluate (attempt 2) {"phase":"train","epoch":2}', '  running: selectTrainingSet (attempt 1)']);
  });

  it('still lists an activity whose details it cannot decode', () => {
    const encrypted = { metadata: { encoding: new TextEncoder().encode('binary/encrypted') }, data: new Uint8Array([1, 2, 3]) };
    const lines = runningActivityLines(describing([{ activityType: { name: 'fineTuneAndEvaluate' }, attempt: 1, heartbeatDetails: { payloads: [encrypted] } }]));
    expect(lines).toEqual(['  running: fineTuneAndEvaluate (attempt 1) (heartbeat details in an encoding this client does not read)']);
  });
});
