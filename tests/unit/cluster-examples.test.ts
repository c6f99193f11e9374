/**
 * The worked cluster examples in infra/: they cannot run here (no Slurm, no Kubernetes), so this
 * checks what can be checked on one machine. The Kubernetes manifests parse as YAML, their grace
 * periods cover the worker's shutdown grace plus the trainer's kill grace, the GPU worker asks for
 * a GPU, and every Secret, ConfigMap and volume they name is defined. The Slurm script passes
 * `bash -n`, asks Slurm for the notice and the requeue, and its signal handling runs for real under
 * bash, with stand-ins for the worker and for `scontrol`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_KILL_GRACE_MS } from '../../src/activities/ml-runner';
import { repoRoot } from '../../src/infra/paths';
import { waitFor } from '../helpers/processes';

const kubernetesDir = join(repoRoot, 'infra', 'kubernetes');
const slurmDir = join(repoRoot, 'infra', 'slurm');

const manifestSchema = z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }) });
const envEntrySchema = z.looseObject({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z.looseObject({ secretKeyRef: z.looseObject({ name: z.string(), key: z.string() }).optional() }).optional(),
});
const containerSchema = z.looseObject({
  name: z.string(),
  image: z.string(),
  command: z.array(z.string()),
  env: z.array(envEntrySchema),
  envFrom: z.array(z.looseObject({ configMapRef: z.looseObject({ name: z.string() }).optional() })).optional(),
  lifecycle: z.unknown().optional(),
  resources: z.looseObject({ requests: z.record(z.string(), z.union([z.string(), z.number()])).optional(), limits: z.record(z.string(), z.union([z.string(), z.number()])).optional() }),
  volumeMounts: z.array(z.looseObject({ name: z.string(), mountPath: z.string() })),
});
const deploymentSchema = manifestSchema.extend({
  kind: z.literal('Deployment'),
  spec: z.looseObject({
    template: z.looseObject({
      spec: z.looseObject({
        terminationGracePeriodSeconds: z.number().int().positive(),
        containers: z.array(containerSchema).length(1),
        volumes: z.array(
          z.looseObject({
            name: z.string(),
            persistentVolumeClaim: z.looseObject({ claimName: z.string() }).optional(),
            secret: z.looseObject({ secretName: z.string(), items: z.array(z.looseObject({ key: z.string(), path: z.string() })).optional() }).optional(),
          }),
        ),
      }),
    }),
  }),
});
type Deployment = z.infer<typeof deploymentSchema>;

/** Every document of every manifest in infra/kubernetes, parsed strictly (any YAML error or warning fails). */
function manifests(): z.infer<typeof manifestSchema>[] {
  const files = readdirSync(kubernetesDir).filter((name) => name.endsWith('.yaml'));
  expect(files.length).toBeGreaterThanOrEqual(4);
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(kubernetesDir, file), 'utf8'), { prettyErrors: true, strict: true }).map((document) => {
      expect([...document.errors, ...document.warnings].map((problem) => `${file}: ${problem.message}`)).toEqual([]);
      return manifestSchema.parse(document.toJS());
    }),
  );
}

function deployment(name: string): Deployment {
  const found = manifests().find((manifest) => manifest.kind === 'Deployment' && manifest.metadata.name === name);
  if (!found) throw new Error(`infra/kubernetes has no Deployment named ${name}`);
  return deploymentSchema.parse(found);
}

function envValue(container: Deployment['spec']['template']['spec']['containers'][number], name: string): string | undefined {
  return container.env.find((entry) => entry.name === name)?.value;
}

describe('infra/kubernetes', () => {
  it('gives the GPU worker a GPU, the gpu queue alone, and a grace period that covers its shutdown grace and the trainer kill grace', () => {
    const gpu = deployment('synthlab-gpu-worker');
    const pod = gpu.spec.template.spec;
    const [container] = pod.containers;
    expect(envValue(container!, 'SYNTHLAB_QUEUES')).toBe('gpu');
    expect(container!.resources.limits?.['nvidia.com/gpu']).toBe(1);
    expect(envValue(container!, 'SYNTHLAB_GPU_CONCURRENCY')).toBe('1');
    const shutdownGraceSeconds = Number(envValue(container!, 'SYNTHLAB_SHUTDOWN_GRACE_SECONDS'));
    expect(shutdownGraceSeconds).toBeGreaterThan(0);
    // The kubelet's SIGKILL must come after the worker's own SIGKILL of a trainer that is still saving.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(shutdownGraceSeconds + DEFAULT_KILL_GRACE_MS / 1000);
  });

  it('runs both workers with node (npx does not pass SIGTERM on) and no preStop hook (the worker handles SIGTERM)', () => {
    for (const name of ['synthlab-gpu-worker', 'synthlab-cpu-worker']) {
      const pod = deployment(name).spec.template.spec;
      const [container] = pod.containers;
      expect(container!.command).toEqual(['node', 'bin/synthlab.mjs', 'worker']);
      expect(container!.lifecycle).toBeUndefined();
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(envValue(container!, 'SYNTHLAB_SHUTDOWN_GRACE_SECONDS')));
    }
    expect(envValue(deployment('synthlab-cpu-worker').spec.template.spec.containers[0]!, 'SYNTHLAB_QUEUES')).toBe('cpu');
  });

  it('defines every Secret key, ConfigMap and volume claim the workers name, and mounts the key file where the ConfigMap says', () => {
    const all = manifests();
    const secret = z.object({ stringData: z.record(z.string(), z.string()) }).parse(all.find((manifest) => manifest.kind === 'Secret'));
    const configMap = all.find((manifest) => manifest.kind === 'ConfigMap');
    const config = z.object({ metadata: z.object({ name: z.string() }), data: z.record(z.string(), z.string()) }).parse(configMap);
    for (const variable of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'SYNTHLAB_STATE_DIR', 'SYNTHLAB_ENCRYPTION_KEYS_FILE']) expect(config.data[variable]).toBeTruthy();
    const claims = all.filter((manifest) => manifest.kind === 'PersistentVolumeClaim').map((manifest) => manifest.metadata.name);
    for (const name of ['synthlab-gpu-worker', 'synthlab-cpu-worker']) {
      const pod = deployment(name).spec.template.spec;
      const container = pod.containers[0]!;
      expect(container.envFrom?.map((source) => source.configMapRef?.name)).toContain(config.metadata.name);
      for (const entry of container.env) {
        if (entry.valueFrom?.secretKeyRef) expect(Object.keys(secret.stringData)).toContain(entry.valueFrom.secretKeyRef.key);
      }
      for (const volume of pod.volumes) {
        if (volume.persistentVolumeClaim) expect(claims).toContain(volume.persistentVolumeClaim.claimName);
        for (const item of volume.secret?.items ?? []) expect(Object.keys(secret.stringData)).toContain(item.key);
      }
      const keysVolume = pod.volumes.find((volume) => volume.secret?.items?.some((item) => item.key === 'encryption-keys.json'));
      const keysMount = container.volumeMounts.find((mount) => mount.name === keysVolume?.name);
      const keyPath = keysVolume?.secret?.items?.find((item) => item.key === 'encryption-keys.json')?.path;
      expect(`${keysMount?.mountPath}/${keyPath}`).toBe(config.data.SYNTHLAB_ENCRYPTION_KEYS_FILE);
      const stateMount = container.volumeMounts.find((mount) => pod.volumes.find((volume) => volume.name === mount.name)?.persistentVolumeClaim?.claimName === 'synthlab-state');
      expect(config.data.SYNTHLAB_STATE_DIR!.startsWith(`${stateMount?.mountPath}/`)).toBe(true);
    }
  });
});

const sbatchPath = join(slurmDir, 'gpu-worker.sbatch');

/** The value of `#SBATCH --<option>=…` in the script, or true for a flag, or undefined. */
function sbatchOption(option: string): string | true | undefined {
  for (const line of readFileSync(sbatchPath, 'utf8').split('\n')) {
    const match = /^#SBATCH\s+--([a-z-]+)(?:=(\S+))?/.exec(line);
    if (match?.[1] === option) return match[2] ?? true;
  }
  return undefined;
}

/** Stand-ins on PATH: `node` (the worker: records its arguments, environment and signals) and `scontrol`. */
function fakeCluster(workerExitCode: number): { binDir: string; logPath: string; envPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'synthlab-sbatch-'));
  const logPath = join(dir, 'calls.log');
  const node = `#!/bin/bash
echo "worker $* queues=$SYNTHLAB_QUEUES grace=$SYNTHLAB_SHUTDOWN_GRACE_SECONDS address=$TEMPORAL_ADDRESS" >> "${logPath}"
trap 'echo "worker SIGTERM" >> "${logPath}"; stopping=1' TERM
stopping=0
ticks=0
while [[ $stopping == 0 && $ticks -lt 600 ]]; do sleep 0.05; ticks=$((ticks + 1)); done
sleep 0.3
exit ${workerExitCode}
`;
  const scontrol = `#!/bin/bash\necho "scontrol $*" >> "${logPath}"\n`;
  writeFileSync(join(dir, 'node'), node);
  writeFileSync(join(dir, 'scontrol'), scontrol);
  chmodSync(join(dir, 'node'), 0o755);
  chmodSync(join(dir, 'scontrol'), 0o755);
  const envPath = join(dir, 'cluster.env');
  writeFileSync(envPath, 'TEMPORAL_ADDRESS=temporal.example.org:7233\nTEMPORAL_NAMESPACE=synthlab\nSYNTHLAB_STATE_DIR=/shared/synthlab/state\n');
  return { binDir: dir, logPath, envPath };
}

function runBatchScript(cluster: { binDir: string; envPath: string }, notice: { afterWorkerStarts: boolean; logPath: string }) {
  const child = spawn('bash', [sbatchPath], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${cluster.binDir}:${process.env.PATH ?? ''}`, SYNTHLAB_CLUSTER_ENV: cluster.envPath, SLURM_JOB_ID: '4242' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('close', (code) => resolveExit(code)));
  return {
    child,
    exited,
    output: () => output,
    sendNoticeOnceStarted: async () => {
      if (!notice.afterWorkerStarts) return;
      await waitFor(() => (existsSync(notice.logPath) && readFileSync(notice.logPath, 'utf8').includes('worker ') ? true : undefined), 30_000, 'the stand-in worker to start');
      // Slurm's notice: SIGTERM to the batch script 120 s before the time limit.
      child.kill('SIGTERM');
    },
  };
}

describe('infra/slurm', () => {
  it('is valid bash that asks Slurm for a GPU, a requeue, and SIGTERM to the script well before the time limit', () => {
    execFileSync('bash', ['-n', sbatchPath]);
    expect(sbatchOption('requeue')).toBe(true);
    expect(sbatchOption('gres')).toMatch(/^gpu:\d+$/);
    const signal = /^B:TERM@(\d+)$/.exec(String(sbatchOption('signal')));
    expect(signal, '#SBATCH --signal=B:TERM@<seconds>').not.toBeNull();
    const grace = Number(/SYNTHLAB_SHUTDOWN_GRACE_SECONDS:-(\d+)/.exec(readFileSync(sbatchPath, 'utf8'))?.[1]);
    expect(grace).toBeGreaterThan(0);
    expect(Number(signal![1])).toBeGreaterThanOrEqual(grace + DEFAULT_KILL_GRACE_MS / 1000);
    const example = readFileSync(join(slurmDir, 'cluster.env.example'), 'utf8');
    for (const variable of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'SYNTHLAB_STATE_DIR', 'SYNTHLAB_ENCRYPTION_KEYS_FILE']) {
      expect(example).toMatch(new RegExp(`^${variable}=\\S+`, 'm'));
    }
  });

  it('passes the notice on to the worker once, waits for it to exit, requeues the job and exits with the worker\'s code', async () => {
    const cluster = fakeCluster(0);
    const run = runBatchScript(cluster, { afterWorkerStarts: true, logPath: cluster.logPath });
    await run.sendNoticeOnceStarted();
    expect(await run.exited, run.output()).toBe(0);
    expect(readFileSync(cluster.logPath, 'utf8').trim().split('\n')).toEqual([
      'worker bin/synthlab.mjs worker queues=gpu grace=90 address=temporal.example.org:7233',
      'worker SIGTERM',
      'scontrol requeue 4242',
    ]);
  });

  it('neither requeues nor hides the code of a worker that stopped on its own', async () => {
    const cluster = fakeCluster(3);
    writeFileSync(join(cluster.binDir, 'node'), `#!/bin/bash\necho "worker $*" >> "${cluster.logPath}"\nexit 3\n`);
    const run = runBatchScript(cluster, { afterWorkerStarts: false, logPath: cluster.logPath });
    expect(await run.exited, run.output()).toBe(3);
    expect(readFileSync(cluster.logPath, 'utf8')).not.toContain('scontrol');
  });

  it('stops with exit code 2, naming the file, when the cluster env file is missing', async () => {
    const cluster = fakeCluster(0);
    const run = runBatchScript({ ...cluster, envPath: join(cluster.binDir, 'missing.env') }, { afterWorkerStarts: false, logPath: cluster.logPath });
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain(`${join(cluster.binDir, 'missing.env')} is missing`);
    expect(existsSync(cluster.logPath)).toBe(false);
  });
});
