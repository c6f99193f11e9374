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
