/**
 * Determinism: cell histories recorded from real runs (binary protobuf in tests/fixtures) must
 * replay against today's workflow code without a non-determinism error.
 * - cell-history.pb: today's cell (re-recorded with SYNTHLAB_RECORD_FIXTURES=1 by sweep.test.ts
 *   when workflow code changes on purpose);
 * - cell-history-two-gpu-activities.pb: a cell recorded before fine-tune and evaluate became one
 *   activity; it must keep replaying through the old branch of the `cell-one-gpu-activity` patch,
 *   or cells running during an upgrade would fail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { workflowBundle } from '../../src/workers/create-workers';

function recordedHistory(name: string) {
  return proto.temporal.api.history.v1.History.decode(readFileSync(join(import.meta.dirname, '..', 'fixtures', name)));
}

function scheduledActivities(history: proto.temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

it('replays a recorded cell history deterministically', async () => {
  const history = recordedHistory('cell-history.pb');
  expect(scheduledActivities(history)).toEqual(['fineTuneAndEvaluate']);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'recorded-cell');
}, 120_000);

it('replays a cell recorded before fine-tune and evaluate became one activity', async () => {
  const history = recordedHistory('cell-history-two-gpu-activities.pb');
  expect(scheduledActivities(history)).toEqual(['fineTune', 'evaluateModel']);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'recorded-cell-two-gpu-activities');
}, 120_000);
