/** The worker's connection to the configured server (see connection.ts), with its profile's TLS settings. */
import { NativeConnection } from '@temporalio/worker';
import { connectionSettings, type ConnectionSettings } from './connection';

export interface ConnectedWorkerConnection {
  connection: NativeConnection;
  settings: ConnectionSettings;
}

export async function connectWorkerConnection(): Promise<ConnectedWorkerConnection> {
  const settings = connectionSettings();
  return { connection: await NativeConnection.connect(settings.connectOptions), settings };
}
