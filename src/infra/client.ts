/**
 * A Temporal client for the configured server (see connection.ts), with its profile's TLS settings
 * and the data converter the environment asks for (payload encryption: encryption/key-ring.ts).
 */
import { Client, Connection } from '@temporalio/client';
import { connectionSettings, type ConnectionSettings } from './connection';
import { dataConverterFromEnvironment } from './encryption/data-converter';

export interface ConnectedClient {
  client: Client;
  settings: ConnectionSettings;
  close(): Promise<void>;
}

export async function connectClient(): Promise<ConnectedClient> {
  const settings = connectionSettings();
  const dataConverter = dataConverterFromEnvironment();
  const connection = await Connection.connect(settings.connectOptions);
  return { client: new Client({ connection, namespace: settings.namespace, dataConverter }), settings, close: () => connection.close() };
}
