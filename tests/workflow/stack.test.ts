/**
 * The embedded stack as `synthlab up` / `down` run it: a detached dev server and worker process,
 * detected when already up, search attributes registered, stopped cleanly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, expect, it } from 'vitest';
import { freePort, isProcessAlive } from '../../src/infra/dev-server';
import { stackDown, stackUp } from '../../src/infra/stack';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/search-attributes';

let stateDir: string | undefined;

afterAll(async () => {
  if (stateDir) {
    await stackDown(stateDir).catch(() => undefined);
    await rm(stateDir, { recursive: true, force: true });
  }
});

it('starts the stack once, detects it when already up, and stops it cleanly', async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'synthlab-stack-'));
  const ports = { port: await freePort(), uiPort: await freePort() };
  const first = await stackUp(stateDir, ports);
  expect(first.reused).toEqual({ server: false, worker: false });
  expect(first.server.uiUrl).toBe(`http://127.0.0.1:${ports.uiPort}`);

  const second = await stackUp(stateDir, ports);
  expect(second.reused).toEqual({ server: true, worker: true });
  expect(second.server.pid).toBe(first.server.pid);
  expect(second.workerPid).toBe(first.workerPid);

  const connection = await Connection.connect({ address: first.server.address });
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
  await connection.close();
  for (const { name } of SEARCH_ATTRIBUTE_KEYS) expect(customAttributes).toHaveProperty(name);

  expect(await stackDown(stateDir)).toEqual({ worker: true, server: true });
  expect(isProcessAlive(first.workerPid)).toBe(false);
  expect(isProcessAlive(first.server.pid)).toBe(false);
  expect(await stackDown(stateDir)).toEqual({ worker: false, server: false });
}, 180_000);
