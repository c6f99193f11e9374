/** A Temporal client for the configured server (see connection.ts). */
import { Client, Connection } from '@temporalio/client';
import { connectionSettings, type ConnectionSettings } from './connection';

export interface ConnectedClient {
  client: Client;
  settings: ConnectionSettings;
  close(): Promise<void>;
}

export async function connectClient(): Promise<ConnectedClient> {
  const settings = connectionSettings();
  const connection = await Connection.connect({
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey, tls: true } : {}),
  });
  return { client: new Client({ connection, namespace: settings.namespace }), settings, close: () => connection.close() };
}
