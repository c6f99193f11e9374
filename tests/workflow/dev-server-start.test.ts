/**
 * Starting the real dev server: when its port is taken the start is retried, then fails with the
 * server's own words from its log; on a database from before search attributes existed (a keyword
 * and a double), they are added and every service of the server can use them at once.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, expect, it } from 'vitest';
import { canConnect, freePort, SEARCH_ATTRIBUTE_TYPES, startDevServer, stopProcess } from '../../src/infra/dev-server';
import { embeddedPaths } from '../../src/infra/embedded-paths';
import { CellStatusKey, MacroF1Key, SweepIdKey } from '../../src/shared/search-attributes';
import { DEFAULT_NAMESPACE } from '../../src/shared/constants';
import { waitFor } from '../helpers/processes';

let stateDir: string | undefined;
let blocker: Server | undefined;
const serverPids: number[] = [];

afterAll(async () => {
  blocker?.close();
  for (const pid of serverPids) await stopProcess(pid);
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

it('adds the search attributes an older database lacks, and the server indexes them at once', async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'synthlab-devserver-'));
  const dbFile = join(stateDir, 'temporal.db');
  // An older database: the CLI's own server, started without CellStatus and MacroF1.
  const older = Object.entries(SEARCH_ATTRIBUTE_TYPES).filter(([name]) => name !== 'CellStatus' && name !== 'MacroF1');
  const port = await freePort();
  const oldServer = spawn(
    embeddedPaths().temporal,
    ['server', 'start-dev', '--headless', '--db-filename', dbFile, '--ip', '127.0.0.1', '--port', String(port), ...older.flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`])],
    { stdio: 'ignore' },
  );
  serverPids.push(oldServer.pid as number);
  await waitFor(async () => ((await canConnect(`127.0.0.1:${port}`, 1_000)) ? true : undefined), 60_000, 'the older server to answer');
  await stopProcess(oldServer.pid as number);

  const server = await startDevServer({ stateDir });
  serverPids.push(server.pid);
  const connection = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
    // No worker: the start alone writes the visibility record, with the new attribute in it.
    const handle = await client.workflow.start('cellWorkflow', {
      workflowId: 'sa-upgrade',
      taskQueue: 'nobody-polls',
      args: [],
      typedSearchAttributes: [
        { key: SweepIdKey, value: 'sweep/sa-upgrade' },
        { key: CellStatusKey, value: 'probe' },
        { key: MacroF1Key, value: 0.5 },
      ],
    });
    const found = await waitFor(
      async () => (await client.workflow.count(`SweepId = 'sweep/sa-upgrade' AND CellStatus = 'probe' AND MacroF1 > 0.25`)).count || undefined,
      10_000,
      'the workflow to be found by its new search attribute',
    );
    expect(found).toBe(1);
    await handle.terminate('test done');
  } finally {
    await connection.close();
  }
});
