/**
 * Starting the real dev server when its port is taken: the start is retried, then fails with
 * the server's own words from its log, and leaves no server process behind.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort, startDevServer } from '../../src/infra/dev-server';

let stateDir: string | undefined;
let blocker: Server | undefined;

afterAll(async () => {
  blocker?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

it('retries a start whose server exits, then reports the log lines that say why', async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'synthlab-devserver-'));
  const port = await freePort();
  blocker = createServer();
  await new Promise<void>((resolveListen) => blocker!.listen(port, '127.0.0.1', resolveListen));

  const error = await startDevServer({ stateDir, port, uiPort: await freePort() }).then(
    () => undefined,
    (caught: unknown) => caught as Error,
  );
  expect(error?.message).toMatch(/exited during start/);
  expect(error?.message).toMatch(/last lines of the log:[\s\S]*address already in use/);
  const log = await readFile(join(stateDir, 'temporal-server.log'), 'utf8');
  // The CLI writes one such line per start: three attempts.
  expect(log.match(/address already in use/g)?.length).toBe(3);
});
