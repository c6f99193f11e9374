/**
 * A real Temporal dev server per test file, on free ports with its own state folder, stopped
 * afterwards. Tests never touch a running demo stack.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { startDevServer, stopProcess, type DevServerInfo } from '../../src/infra/dev-server';

export interface TestTemporal {
  server: DevServerInfo;
  stateDir: string;
  client: Client;
  nativeConnection: NativeConnection;
  /** What the client uses and in-process workers get (payload encryption); the SDK's default when absent. */
  dataConverter?: DataConverter;
  stop(): Promise<void>;
}

export interface TestTemporalOptions {
  dataConverter?: DataConverter;
  /** The Web UI's codec server (`temporal server start-dev --ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
}

/** The environment that points the `synthlab` CLI (or a worker process) at this test server and its state folder. */
export function cliEnvFor(temporal: TestTemporal): NodeJS.ProcessEnv {
  return { ...process.env, TEMPORAL_ADDRESS: temporal.server.address, SYNTHLAB_STATE_DIR: temporal.stateDir };
}

export async function startTestTemporal(prefix = 'synthlab-test-', options: TestTemporalOptions = {}): Promise<TestTemporal> {
  const stateDir = await mkdtemp(join(tmpdir(), prefix));
  const server = await startDevServer({ stateDir, ...(options.uiCodecEndpoint ? { uiCodecEndpoint: options.uiCodecEndpoint } : {}) });
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  return {
    server,
    stateDir,
    client: new Client({ connection, namespace: 'default', ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}) }),
    nativeConnection,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    async stop() {
      await nativeConnection.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await stopProcess(server.pid);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
