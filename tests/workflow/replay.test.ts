/**
 * Determinism: a cell history recorded from a real run (tests/fixtures/cell-history.pb, binary protobuf,
 * re-recorded with SYNTHLAB_RECORD_FIXTURES=1 when workflow code changes on purpose) must replay
 * against today's workflow code without a non-determinism error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { workflowBundle } from '../../src/workers/create-workers';

it('replays a recorded cell history deterministically', async () => {
  const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'cell-history.pb')));
  expect(history.events?.length).toBeGreaterThan(10);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'recorded-cell');
}, 120_000);
