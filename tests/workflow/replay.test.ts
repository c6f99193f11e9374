/**
 * Determinism: histories recorded from real runs (binary protobuf in tests/fixtures) must replay
 * against today's workflow code without a non-determinism error, or workflows running during an
 * upgrade would fail.
 * - cell-history.pb, data-product-history.pb, sweep-history.pb: today's cell, data product and
 *   sweep (re-recorded with SYNTHLAB_RECORD_FIXTURES=1 by sweep.test.ts when workflow code
 *   changes on purpose);
 * - cell-history-two-gpu-activities.pb: a cell recorded before fine-tune and evaluate became one
 *   activity; it replays through the old branch of the `cell-one-gpu-activity` patch;
 * - cell-history-before-metrics.pb: a cell that returned only its key and training count;
 * - data-product-history-one-pass.pb: a data product recorded before it generated in rounds until
 *   its quota of kept samples was met; it replays through the old branch of the
 *   `data-product-kept-quota` patch;
 * - sweep-history-before-summaries.pb: a sweep that started its children without a user-metadata
 *   summary (the summary is metadata on the start command, not a command of its own).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../src/workers/create-workers';

function recordedHistory(name: string) {
  return proto.temporal.api.history.v1.History.decode(readFileSync(join(import.meta.dirname, '..', 'fixtures', name)));
}

function scheduledActivities(history: proto.temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

/** The ids of the `patched()` markers in a history. */
function patchMarkers(history: proto.temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
}

function childStarts(history: proto.temporal.api.history.v1.IHistory) {
  return (history.events ?? []).filter((event) => event.startChildWorkflowExecutionInitiatedEventAttributes);
}

async function replay(name: string) {
  const history = recordedHistory(name);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, name);
  return history;
}

describe('replay of recorded histories', () => {
  it('replays a recorded cell history deterministically', async () => {
    const history = await replay('cell-history.pb');
    expect(scheduledActivities(history)).toEqual(['fineTuneAndEvaluate']);
  }, 120_000);

  it('replays a cell recorded before fine-tune and evaluate became one activity', async () => {
    const history = await replay('cell-history-two-gpu-activities.pb');
    expect(scheduledActivities(history)).toEqual(['fineTune', 'evaluateModel']);
  }, 120_000);

  it('replays a cell recorded before its result carried metrics', async () => {
    await replay('cell-history-before-metrics.pb');
  }, 120_000);

  it('replays a recorded data product that generated in rounds until its quota of kept samples was met', async () => {
    const history = await replay('data-product-history.pb');
    expect(patchMarkers(history)).toContain('data-product-kept-quota');
    expect(scheduledActivities(history)).toContain('keepSamples');
  }, 120_000);

  it('replays a data product recorded before the rounds, through its single pass', async () => {
    const history = await replay('data-product-history-one-pass.pb');
    expect(patchMarkers(history)).toEqual([]);
    expect(scheduledActivities(history)).toEqual(['generateSamples', 'reviseSamples', 'dedupeSamples', 'annotateSamples', 'recordDataProduct']);
  }, 120_000);

  it('replays a recorded sweep, whose children started with their summary lines', async () => {
    const history = await replay('sweep-history.pb');
    const summaries = childStarts(history).map((event) => event.userMetadata?.summary?.data);
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries.every((data) => data && JSON.parse(Buffer.from(data).toString('utf8')).includes(' · cy · '))).toBe(true);
  }, 120_000);

  it('replays a sweep that started its children without summaries', async () => {
    const history = await replay('sweep-history-before-summaries.pb');
    expect(childStarts(history).length).toBeGreaterThan(0);
    expect(childStarts(history).filter((event) => event.userMetadata?.summary)).toEqual([]);
  }, 120_000);
});
