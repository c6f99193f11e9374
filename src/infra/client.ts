/** A Temporal client for the configured server (see connection.ts), with its profile's TLS settings. */
import { Client, Connection } from '@temporalio/client';
import { connectionSettings, type ConnectionSettings } from './connection';

export interface ConnectedClient {
  client: Client;
  settings: ConnectionSettings;
  close(): Promise<void>;
}

export async function connectClient(): Promise<ConnectedClient> {
  const settings = connectionSettings();
  const connection = await Connection.connect(settings.connectOptions);
  return { client: new Client({ connection, namespace: settings.namespace }), settings, close: () => connection.close() };
}
