/**
 * A real Temporal dev server per test file, on free ports with its own state folder, stopped
 * afterwards. Tests never touch a running demo stack.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startDevServer, stopProcess, type DevServerInfo } from '../../src/infra/dev-server';

export interface TestTemporal {
  server: DevServerInfo;
  stateDir: string;
  client: Client;
  nativeConnection: NativeConnection;
  stop(): Promise<void>;
}

/** The environment that points the `synthlab` CLI (or a worker process) at this test server and its state folder. */
export function cliEnvFor(temporal: TestTemporal): NodeJS.ProcessEnv {
  return { ...process.env, TEMPORAL_ADDRESS: temporal.server.address, SYNTHLAB_STATE_DIR: temporal.stateDir };
}

export async function startTestTemporal(prefix = 'synthlab-test-'): Promise<TestTemporal> {
  const stateDir = await mkdtemp(join(tmpdir(), prefix));
  const server = await startDevServer({ stateDir });
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  return {
    server,
    stateDir,
    client: new Client({ connection, namespace: 'default' }),
    nativeConnection,
    async stop() {
      await nativeConnection.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await stopProcess(server.pid);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
