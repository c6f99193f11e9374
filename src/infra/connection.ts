/**
 * Where the Temporal server is: `TEMPORAL_ADDRESS` / `TEMPORAL_NAMESPACE` / `TEMPORAL_API_KEY` /
 * TLS settings and profiles (@temporalio/envconfig) when set; otherwise the embedded dev server
 * recorded in the state folder.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { DEFAULT_NAMESPACE } from '../shared/constants';
import { stateDir } from './paths';

export interface ConnectionSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: unknown;
  /** Web UI base URL, when known (the embedded dev server). */
  uiUrl: string | undefined;
}

export function connectionSettings(): ConnectionSettings {
  const loaded = loadClientConnectConfig();
  const explicit = process.env.TEMPORAL_ADDRESS !== undefined || process.env.TEMPORAL_PROFILE !== undefined;
  const serverFile = join(stateDir(), 'temporal-server.json');
  if (!explicit && existsSync(serverFile)) {
    const info = JSON.parse(readFileSync(serverFile, 'utf8')) as { address: string; uiUrl: string };
    return { address: info.address, namespace: loaded.namespace ?? DEFAULT_NAMESPACE, uiUrl: info.uiUrl };
  }
  return {
    address: loaded.connectionOptions.address ?? 'localhost:7233',
    namespace: loaded.namespace ?? DEFAULT_NAMESPACE,
    ...(loaded.connectionOptions.apiKey ? { apiKey: String(loaded.connectionOptions.apiKey) } : {}),
    ...(loaded.connectionOptions.tls ? { tls: loaded.connectionOptions.tls } : {}),
    uiUrl: process.env.SYNTHLAB_TEMPORAL_UI,
  };
}
