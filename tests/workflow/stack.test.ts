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
import { newKey } from '../../src/infra/encryption/key-ring';
import { encryptionMismatch, stackDown, stackUp } from '../../src/infra/stack';
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
  expect(first.encryption).toEqual({ worker: 'off', requested: 'off' });
  expect(encryptionMismatch(second)).toBeUndefined();

  // Keys set after the worker started: `up` reports that the running worker cannot serve them.
  process.env.SYNTHLAB_ENCRYPTION_KEYS = JSON.stringify({ current: 'k1', keys: { k1: newKey() } });
  try {
    const withKeys = await stackUp(stateDir, ports);
    expect(withKeys.encryption).toEqual({ worker: 'off', requested: 'on, current key k1' });
    expect(encryptionMismatch(withKeys)).toMatch(/running worker has payload encryption off, this environment asks for on, current key k1: `synthlab down` and `synthlab up`/);
  } finally {
    delete process.env.SYNTHLAB_ENCRYPTION_KEYS;
  }

  const connection = await Connection.connect({ address: first.server.address });
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
  await connection.close();
  for (const { name } of SEARCH_ATTRIBUTE_KEYS) expect(customAttributes).toHaveProperty(name);

  expect(await stackDown(stateDir)).toEqual({ worker: true, server: true });
  expect(isProcessAlive(first.workerPid)).toBe(false);
  expect(isProcessAlive(first.server.pid)).toBe(false);
  expect(await stackDown(stateDir)).toEqual({ worker: false, server: false });
}, 180_000);
