/**
 * The compiled CLI (dist/cli/) against a real server: `synthlab worker` run from dist/ still finds
 * and bundles the workflow sources in src/workflows and runs a sweep, and `sweep start`, `status`
 * (answered by that worker's progress query, over temporal-wire/ without the SDK) and `cancel` work
 * from dist/ too. The real launcher,
 * the real build and the demo config; the sweep is cancelled as soon as its progress is seen.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../../src/infra/paths';
import { waitFor } from '../helpers/processes';
import { cliEnvFor, startTestTemporal, type TestTemporal } from '../helpers/temporal';

const COMPILED = /^synthlab \(launcher\): running the compiled CLI \S+\/dist\/cli\/[0-9a-f]{16}\/main\.js \(current by .+\)$/m;
const launcher = join(repoRoot, 'bin', 'synthlab.mjs');

let temporal: TestTemporal;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  const build = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-cli.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
  temporal = await startTestTemporal('synthlab-cli-compiled-');
});

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await temporal?.stop();
});

function synthlab(...args: string[]) {
  return spawnSync(process.execPath, [launcher, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...cliEnvFor(temporal), SYNTHLAB_CLI_DEBUG: '1' } });
}

/** Runs the CLI with the module recorder; returns the run and the sources it loaded (node_modules URLs, and the build's bundled modules). */
function synthlabRecorded(...args: string[]) {
  const recordFile = join(temporal.stateDir, `modules-${args.join('-')}.txt`);
  const run = spawnSync(process.execPath, ['--import', fileURLToPath(new URL('../helpers/record-modules.mjs', import.meta.url)), launcher, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...cliEnvFor(temporal), SYNTHLAB_CLI_DEBUG: '1', SYNTHLAB_RECORD_MODULES: recordFile },
  });
  const modules = readFileSync(recordFile, 'utf8').split('\n').filter(Boolean);
  // esbuild starts each module it bundled with a `// <path>` line.
  const bundled = modules.filter((url) => url.includes('/dist/cli/')).flatMap((url) => readFileSync(fileURLToPath(url), 'utf8').match(/^\/\/ \S+$/gm) ?? []);
  return { ...run, sources: [...modules, ...bundled.map((line) => line.slice(3))] };
}

it('a worker run from dist/ bundles src/workflows and runs the demo sweep; start, status and cancel run from dist/', async () => {
  const child = spawn(process.execPath, [launcher, 'worker'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...cliEnvFor(temporal), SYNTHLAB_CLI_DEBUG: '1' } });
  worker = child;
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  await waitFor(() => (/^\[worker \d+\] serving cpu, gpu on /m.test(log) ? true : child.exitCode === null ? undefined : Promise.reject(new Error(`the worker exited: ${log}`))), 240_000, 'the compiled worker to serve its queues');
  expect(log).toMatch(COMPILED);

  const start = synthlab('sweep', 'start', 'configs/demo.yaml');
  expect(start.stderr).toMatch(COMPILED);
  expect(start.status, start.stderr).toBe(0);
  expect(start.stdout).toMatch(/^sweep sweep\/demo started /);

  // The progress query is answered by workflow code the compiled worker bundled from src/workflows.
  const status = synthlabRecorded('sweep', 'status', 'demo');
  expect(status.stderr).toMatch(COMPILED);
  expect(status.status, status.stderr).toBe(0);
  expect(status.stdout).toMatch(/^sweep\/demo: RUNNING, \d+ s$/m);
  expect(status.stdout).toMatch(/^data products \[[#x.]+\] \d+\/2 done/m);
  expect(status.stdout).toMatch(/^cells {9}\[[#x.]+\] \d+\/8 done/m);
  // `status` of a running sweep talks to the server through temporal-wire/ (node:http2): no Temporal client
  // (only @temporalio/envconfig, which reads the profile that TEMPORAL_ADDRESS sets), gRPC-js, protobufjs or zod, none
  // of the config, pre-flight, data, LLM or worker code, and (the plain form) not the command tree.
  expect(status.sources.some((source) => source.startsWith('src/infra/temporal-wire/'))).toBe(true);
  expect(
    status.sources.filter((source) =>
      /\/node_modules\/(@temporalio\/(client|proto|worker|workflow|activity)|@grpc|protobufjs|zod|yaml|openai|node-llama-cpp|commander)\/|^node_modules\/zod\/|^src\/(config|data|activities|llm|workers|stages|report)\/|^src\/cli\/program\.ts$/.test(source),
    ),
  ).toEqual([]);

  const cancel = synthlab('sweep', 'cancel', 'demo');
  expect(cancel.status, cancel.stderr).toBe(0);
  await temporal.client.workflow.getHandle('sweep/demo').result().catch(() => undefined);
  expect((await temporal.client.workflow.getHandle('sweep/demo').describe()).status.name).toBe('CANCELLED');

  // The plain `status` (without the command tree) and the command tree's (`--` sends it there) print the same.
  const plain = synthlab('sweep', 'status', 'demo');
  const throughTree = synthlab('sweep', 'status', '--', 'demo');
  expect(plain.status, plain.stderr).toBe(0);
  expect(plain.stdout).toMatch(/^sweep\/demo: CANCELLED, \d+ s$/m);
  expect(throughTree.status, throughTree.stderr).toBe(0);
  expect(throughTree.stdout).toBe(plain.stdout);

  child.kill('SIGTERM');
  expect(await exited).toEqual({ code: 0, signal: null });
}, 420_000);
