/**
 * Where the Temporal server is and how to reach it: the @temporalio/envconfig profile (a TOML file
 * at TEMPORAL_CONFIG_FILE or the user's default, profile TEMPORAL_PROFILE, and the TEMPORAL_ADDRESS
 * / TEMPORAL_NAMESPACE / TEMPORAL_API_KEY / TEMPORAL_TLS_* variables over it) when one names a
 * server; otherwise the embedded dev server recorded in the state folder.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { platform } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ClientConnectConfig } from '@temporalio/envconfig';
import { DEFAULT_NAMESPACE } from '../shared/constants';
import { stateDir } from './paths';

type ProfileConnectionOptions = ClientConnectConfig['connectionOptions'];

/**
 * The options both `Connection.connect` (client) and `NativeConnection.connect` (worker) take,
 * exactly as the profile gave them: `tls` carries the client certificate and key, the server's CA
 * and the server name (or `true` for TLS with the system's CAs, as an API key implies).
 */
export interface ServerConnectOptions {
  address: string;
  apiKey?: string;
  tls?: ProfileConnectionOptions['tls'];
  metadata?: ProfileConnectionOptions['metadata'];
}

export interface ConnectionSettings {
  address: string;
  namespace: string;
  connectOptions: ServerConnectOptions;
  /** Web UI base URL, when known (the embedded dev server). */
  uiUrl: string | undefined;
}

/**
 * The record `synthlab up` writes of the embedded server. Checked by hand, not with zod: `sweep
 * status` reads it, and loading zod is a good part of that command's start time.
 */
function readEmbeddedServer(file: string): { address: string; uiUrl: string } {
  const record: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof record === 'object' && record !== null && 'address' in record && 'uiUrl' in record) {
    const { address, uiUrl } = record;
    if (typeof address === 'string' && address.length > 0 && typeof uiUrl === 'string') return { address, uiUrl };
  }
  throw new Error(`${file} is not a record of the embedded server (expected {"address": "<host:port>", "uiUrl": "<url>"}); \`synthlab down\` and \`synthlab up\` write it again`);
}

/** Variables that make the profile name the server, rather than the embedded one. */
const SERVER_CHOICE_VARIABLES = ['TEMPORAL_ADDRESS', 'TEMPORAL_PROFILE', 'TEMPORAL_CONFIG_FILE'] as const;

/**
 * The profile file envconfig reads when TEMPORAL_CONFIG_FILE is unset: `temporalio/temporal.toml`
 * in the user's config folder, as envconfig finds it (XDG_CONFIG_HOME or ~/.config; macOS's
 * Application Support; Windows' APPDATA); undefined where there is none.
 */
export function defaultProfileFile(env: NodeJS.ProcessEnv, os: NodeJS.Platform = platform()): string | undefined {
  let folder: string | undefined;
  if (os === 'win32') folder = env.APPDATA || undefined;
  else if (os === 'darwin') folder = env.HOME ? join(env.HOME, 'Library', 'Application Support') : undefined;
  else if (env.XDG_CONFIG_HOME) folder = isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
  else folder = env.HOME ? join(env.HOME, '.config') : undefined;
  return folder === undefined ? undefined : join(folder, 'temporalio', 'temporal.toml');
}

/**
 * Whether envconfig could find anything to apply: a TEMPORAL_* variable, or a profile file. Without
 * either it gives an empty profile, so it is not loaded (it and its TOML parser are a good part of
 * `sweep status`'s start time).
 */
export function profileMayApply(env: NodeJS.ProcessEnv = process.env): boolean {
  if (Object.keys(env).some((name) => name.startsWith('TEMPORAL_'))) return true;
  const file = defaultProfileFile(env);
  return file !== undefined && existsSync(file);
}

const EMPTY_PROFILE: ClientConnectConfig = { connectionOptions: {} };

/** The envconfig profile (see the module's comment), loading envconfig only when one may apply. */
export function loadProfile(env: NodeJS.ProcessEnv = process.env): ClientConnectConfig {
  if (!profileMayApply(env)) return EMPTY_PROFILE;
  const { loadClientConnectConfig } = createRequire(import.meta.url)('@temporalio/envconfig') as typeof import('@temporalio/envconfig');
  return loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
}

export function connectionSettings(): ConnectionSettings {
  const loaded = loadProfile();
  const namespace = loaded.namespace ?? DEFAULT_NAMESPACE;
  const chosen = SERVER_CHOICE_VARIABLES.some((name) => process.env[name] !== undefined);
  const serverFile = join(stateDir(), 'temporal-server.json');
  if (!chosen && existsSync(serverFile)) {
    const embedded = readEmbeddedServer(serverFile);
    return { address: embedded.address, namespace, connectOptions: { address: embedded.address }, uiUrl: embedded.uiUrl };
  }
  const { address = 'localhost:7233', apiKey, tls, metadata } = loaded.connectionOptions;
  return {
    address,
    namespace,
    connectOptions: {
      address,
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(tls !== undefined ? { tls } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    },
    uiUrl: process.env.SYNTHLAB_TEMPORAL_UI,
  };
}
