/**
 * The client and the worker reach a server that requires mutual TLS, with everything taken from an
 * @temporalio/envconfig profile: a TOML file at TEMPORAL_CONFIG_FILE, or the TEMPORAL_TLS_*
 * variables. The server is a real dev server behind a TLS terminator on loopback (Node's `tls`,
 * ALPN h2, client certificates required) with certificates made by the openssl CLI for this run.
 * `sweep status`'s own client (temporal-wire/, node:http2) connects from the same settings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { connectClient } from '../../src/infra/client';
import { connectionSettings } from '../../src/infra/connection';
import { WorkflowServiceWire } from '../../src/infra/temporal-wire/workflow-service';
import { connectWorkerConnection } from '../../src/infra/worker-connection';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let certificates: string;
let terminator: TlsServer;
let tlsAddress: string;
/** Common names of the client certificates the terminator accepted, and why it refused handshakes. */
const clientNames: string[] = [];
const rejectedHandshakes: string[] = [];
const openSockets = new Set<Socket>();
const savedEnvironment = { ...process.env };

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: certificates, stdio: 'pipe' });
}

/** A CA, a server certificate for localhost and 127.0.0.1, and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=synthlab test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, extensions: string) => {
    openssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=synthlab-${name}`);
    execFileSync('sh', ['-c', `printf '%s\\n' "$1" > ${name}.ext`, 'sh', extensions], { cwd: certificates });
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
  };
  leaf('server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE');
  leaf('client', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE');
}

/** Terminates mutual TLS (h2) and pipes each connection to the dev server's plain gRPC port. */
async function startTerminator(upstream: string): Promise<TlsServer> {
  const [host, port] = upstream.split(':');
  const read = (name: string) => readFile(join(certificates, name));
  const server = createTlsServer(
    { key: await read('server.key'), cert: await read('server.pem'), ca: await read('ca.pem'), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (secure: TLSSocket) => {
      clientNames.push(String(secure.getPeerCertificate().subject.CN));
      const plain = connectTcp(Number(port), host);
      for (const socket of [secure, plain]) {
        openSockets.add(socket);
        socket.on('close', () => openSockets.delete(socket));
        socket.on('error', () => (socket === secure ? plain : secure).destroy());
      }
      secure.pipe(plain).pipe(secure);
    },
  );
  server.on('tlsClientError', (error) => rejectedHandshakes.push(error.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function useOnlyTemporalVariables(variables: Record<string, string>): void {
  for (const name of Object.keys(process.env)) if (name.startsWith('TEMPORAL_')) delete process.env[name];
  Object.assign(process.env, variables);
}

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-tls-');
  certificates = await mkdtemp(join(tmpdir(), 'synthlab-tls-certificates-'));
  makeCertificates();
  terminator = await startTerminator(temporal.server.address);
  tlsAddress = `127.0.0.1:${(terminator.address() as AddressInfo).port}`;
}, 120_000);

afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in savedEnvironment)) delete process.env[name];
  Object.assign(process.env, savedEnvironment);
});

afterAll(async () => {
  for (const socket of openSockets) socket.destroy();
  await new Promise((resolve) => (terminator ? terminator.close(resolve) : resolve(undefined)));
  await temporal?.stop();
  if (certificates) await rm(certificates, { recursive: true, force: true });
});

let profiles = 0;
async function writeProfile(tls: Record<string, string>): Promise<string> {
  profiles += 1;
  const file = join(certificates, `temporal-${profiles}.toml`);
  const tlsLines = Object.entries(tls).map(([key, value]) => `${key} = ${JSON.stringify(value)}`);
  await writeFile(file, ['[profile.default]', `address = "${tlsAddress}"`, 'namespace = "default"', '', '[profile.default.tls]', ...tlsLines, ''].join('\n'));
  return file;
}

/** `sweep status`'s client from the current environment, doing one real call. */
async function wireCount(): Promise<number> {
  const settings = connectionSettings();
  const wire = new WorkflowServiceWire(settings.connectOptions, settings.namespace);
  try {
    return await wire.count('');
  } finally {
    await wire.close();
  }
}

/** A client, a worker connection and `sweep status`'s client from the current environment, each doing one real call. */
async function connectBothAndCall(): Promise<void> {
  const connected = await connectClient();
  try {
    const described = await connected.client.workflowService.describeNamespace({ namespace: connected.settings.namespace });
    expect(described.namespaceInfo?.name).toBe('default');
    const workflows = [];
    for await (const workflow of connected.client.workflow.list({ pageSize: 10 })) workflows.push(workflow);
    expect(workflows).toEqual([]);
  } finally {
    await connected.close();
  }
  const { connection, settings } = await connectWorkerConnection();
  try {
    const described = await connection.workflowService.describeNamespace({ namespace: settings.namespace });
    expect(described.namespaceInfo?.name).toBe('default');
  } finally {
    await connection.close();
  }
  expect(await wireCount()).toBe(0);
}

it('connects client and worker through mutual TLS from a TOML profile (TEMPORAL_CONFIG_FILE)', async () => {
  const profile = await writeProfile({
    server_ca_cert_path: join(certificates, 'ca.pem'),
    client_cert_path: join(certificates, 'client.pem'),
    client_key_path: join(certificates, 'client.key'),
    server_name: 'localhost',
  });
  useOnlyTemporalVariables({ TEMPORAL_CONFIG_FILE: profile });
  const before = clientNames.length;
  await connectBothAndCall();
  expect(clientNames.slice(before)).toContain('synthlab-client');
}, 60_000);

it('connects client and worker through mutual TLS from TEMPORAL_TLS_* variables, certificates given inline', async () => {
  useOnlyTemporalVariables({
    TEMPORAL_ADDRESS: tlsAddress,
    TEMPORAL_TLS_SERVER_CA_CERT_DATA: await readFile(join(certificates, 'ca.pem'), 'utf8'),
    TEMPORAL_TLS_CLIENT_CERT_DATA: await readFile(join(certificates, 'client.pem'), 'utf8'),
    TEMPORAL_TLS_CLIENT_KEY_DATA: await readFile(join(certificates, 'client.key'), 'utf8'),
  });
  const before = clientNames.length;
  await connectBothAndCall();
  expect(clientNames.slice(before)).toContain('synthlab-client');
}, 60_000);

it('without the client certificate neither the client nor the worker gets in', async () => {
  const profile = await writeProfile({ server_ca_cert_path: join(certificates, 'ca.pem'), server_name: 'localhost' });
  useOnlyTemporalVariables({ TEMPORAL_CONFIG_FILE: profile });
  // How each SDK words the refusal varies (a deadline, a TLS alert or a broken pipe); the
  // terminator says why it refused.
  for (const connect of [connectClient, connectWorkerConnection, wireCount]) {
    const before = rejectedHandshakes.length;
    await expect(connect()).rejects.toThrow();
    expect(rejectedHandshakes.slice(before).join('\n')).toMatch(/peer did not return a certificate/);
  }
}, 60_000);

it('with a server name the certificate does not carry, the connection is refused', async () => {
  const profile = await writeProfile({
    server_ca_cert_path: join(certificates, 'ca.pem'),
    client_cert_path: join(certificates, 'client.pem'),
    client_key_path: join(certificates, 'client.key'),
    server_name: 'elsewhere.test',
  });
  useOnlyTemporalVariables({ TEMPORAL_CONFIG_FILE: profile });
  await expect(connectWorkerConnection()).rejects.toThrow(/NotValidForName.*elsewhere\.test/);
  await expect(wireCount()).rejects.toThrow(/elsewhere\.test.*altnames/);
}, 60_000);
