/**
 * Stopping `npx synthlab …` or `node bin/synthlab.mjs …` stops the CLI itself: no process of it is
 * left running. Also that `sweep start --wait <config>` takes the config after the flag and waits.
 * The real CLI, through its real launchers, against a real server with no worker (so `--wait` and
 * `--watch` keep running until stopped). Every process a run starts inherits a marker variable, by
 * which the test finds them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../../src/infra/paths';
import { TASK_QUEUES } from '../../src/shared/constants';
import { pidsWithEnvironment, waitFor } from '../helpers/processes';
import { cliEnvFor, startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-cli-signals-');
  await temporal.client.workflow.start('sweepWorkflow', { workflowId: 'sweep/watched', taskQueue: TASK_QUEUES.cpu, args: [{}] });
});

afterAll(async () => {
  await temporal?.stop();
});

/** Starts `command args` with a fresh marker; resolves with the process, its marker and its first line of output. */
async function startMarked(command: string, args: string[]) {
  const marker = `SYNTHLAB_TEST_MARKER=${randomUUID()}`;
  const child = spawn(command, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...cliEnvFor(temporal), SYNTHLAB_TEST_MARKER: marker.split('=')[1] },
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  const firstLine = await Promise.race([
    waitFor(() => (output.includes('\n') ? output.split('\n')[0] : undefined), 90_000, `the first line of ${command} ${args.join(' ')}`),
    exited.then((exit) => {
      throw new Error(`${command} ${args.join(' ')} exited (${JSON.stringify(exit)}) before printing a line: ${output}`);
    }),
  ]);
  return { child, marker, firstLine, exited, output: () => output };
}

async function expectAllGone(marker: string, child: ChildProcess) {
  await waitFor(() => (pidsWithEnvironment(marker).length === 0 ? true : undefined), 10_000, `every process of pid ${child.pid}'s run to end`).catch((error: Error) => {
    const left = pidsWithEnvironment(marker);
    for (const pid of left) process.kill(pid, 'SIGKILL'); // what the failed stop left behind
    throw new Error(`${error.message}; still running: ${left.join(', ')}`);
  });
}

it('npx synthlab sweep start --wait configs/demo.yaml starts the demo sweep and waits; SIGTERM to npx stops the CLI', async () => {
  const run = await startMarked('npx', ['synthlab', 'sweep', 'start', '--wait', 'configs/demo.yaml']);
  expect(run.firstLine).toMatch(/^sweep sweep\/demo started \(run [\w-]+\)$/);
  const description = await temporal.client.workflow.getHandle('sweep/demo').describe();
  expect(description.memo?.configPath).toBe(join(repoRoot, 'configs', 'demo.yaml'));
  // Without --wait the CLI exits once it has printed the UI link; with it, it waits for a sweep no worker runs.
  await new Promise((resolveWait) => setTimeout(resolveWait, 3_000));
  expect(pidsWithEnvironment(run.marker).length).toBeGreaterThan(0);
  expect(run.child.exitCode).toBeNull();

  run.child.kill('SIGTERM');
  expect(await run.exited).toEqual({ code: null, signal: 'SIGTERM' });
  await expectAllGone(run.marker, run.child);
}, 180_000);

it.each(['SIGINT', 'SIGTERM'] as const)('node bin/synthlab.mjs sweep status --watch stops at %s, leaving nothing running', async (signal) => {
  const run = await startMarked(process.execPath, [join(repoRoot, 'bin', 'synthlab.mjs'), 'sweep', 'status', 'watched', '--watch']);
  expect(run.firstLine).toMatch(/^sweep\/watched: RUNNING, \d+ s$/);
  run.child.kill(signal);
  expect(await run.exited).toEqual({ code: null, signal });
  await expectAllGone(run.marker, run.child);
}, 180_000);
