/**
 * Fault test with real processes: the Temporal dev server is killed with SIGKILL mid-sweep and
 * restarted on the same SQLite database and port. The workers reconnect, and the sweep completes
 * with every cell once: none lost, none duplicated.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, expect, it } from 'vitest';
import { freePort, startDevServer, stopProcess, type DevServerInfo } from '../../src/infra/dev-server';
import { TASK_QUEUES } from '../../src/shared/constants';
import { sweepWorkflow } from '../../src/workflows/sweep';
import { isLiveProcess, waitFor } from '../helpers/processes';
import { createScriptedModel } from '../helpers/scripted-model';
import { buildTinyModel, recordedResults, startInProcessWorkers, welshLines, sweepInput, testSweepConfig, type InProcessWorkers } from '../helpers/stack';

let stateDir: string | undefined;
let server: DevServerInfo | undefined;
let workers: InProcessWorkers | undefined;
const connections: { close(): Promise<void> }[] = [];

afterAll(async () => {
  await workers?.stop().catch(() => undefined);
  for (const connection of connections) await connection.close().catch(() => undefined);
  if (server) await stopProcess(server.pid);
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

it('completes a sweep after the dev server is killed with SIGKILL and restarted on the same database', async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'synthlab-server-restart-'));
  const ports = { port: await freePort(), uiPort: await freePort() };
  server = await startDevServer({ stateDir, ...ports });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  connections.push(nativeConnection, connection);
  const client = new Client({ connection, namespace: 'default' });
  workers = await startInProcessWorkers({ server, stateDir, client, nativeConnection, stop: async () => undefined }, createScriptedModel(welshLines));

  const tinyModel = buildTinyModel(join(stateDir, 'tiny-model'));
  const config = testSweepConfig({ tinyModel, name: 'server-restart', strategies: ['TargetDemos'], seeds: [1, 2], goldBaseline: true });
  const input = sweepInput(config);
  await client.workflow.start(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });

  // Kill the server once training has started, i.e. with children and activities in flight.
  const trainRoot = join(stateDir, 'artifacts', 'work', 'train');
  await waitFor(() => (existsSync(trainRoot) && readdirSync(trainRoot).length > 0 ? true : undefined), 240_000, 'a training run to start');
  process.kill(server.pid, 'SIGKILL');
  await waitFor(() => (server && !isLiveProcess(server.pid) ? true : undefined), 10_000, 'the server to die');
  server = await startDevServer({ stateDir, ...ports });

  const summary = await client.workflow.getHandle<typeof sweepWorkflow>(input.sweepId).result();
  expect(summary.failed).toEqual([]);
  expect(summary.cells).toMatchObject({ total: 4, completed: 4, failed: 0 });
  const result = await recordedResults(workers.store, summary);
  const keys = result.cells.map((cell) => cell.key).sort();
  expect(keys).toEqual([...new Set(keys)]);
  expect(keys).toEqual(['sib200.cy.TargetDemos.scripted.s1', 'sib200.cy.TargetDemos.scripted.s2', 'sib200.cy.gold.s1', 'sib200.cy.gold.s2']);
}, 600_000);
