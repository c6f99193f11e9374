/**
 * A reader that closes the pipe early (`synthlab sweep status x | head -1`) must not crash the CLI
 * with an unhandled EPIPE: under `set -o pipefail` that crash ended the walk-through's wait loop
 * while the sweep was still running. The real CLI against a real server, on a sweep with no worker.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot, synthlabCliArgs } from '../../src/infra/paths';
import { TASK_QUEUES } from '../../src/shared/constants';
import { cliEnvFor, startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-cli-pipe-');
  // No worker: the sweep stays running, and `status --watch` keeps printing.
  await temporal.client.workflow.start('sweepWorkflow', { workflowId: 'sweep/piped', taskQueue: TASK_QUEUES.cpu, args: [{}] });
});

afterAll(async () => {
  await temporal?.stop();
});

it('stops quietly with exit code 0 when its reader has gone', async () => {
  const child = spawn(process.execPath, synthlabCliArgs('sweep', 'status', 'piped', '--watch'), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: cliEnvFor(temporal) });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Read the first line, then close the pipe, as `head -1` does.
  const firstLine = await new Promise<string>((resolveLine) => {
    let seen = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk;
      if (seen.includes('\n')) {
        child.stdout.destroy();
        resolveLine(seen.split('\n')[0]!);
      }
    });
  });
  expect(firstLine).toMatch(/^sweep\/piped: RUNNING, \d+ s$/);
  const code = await new Promise<number | null>((resolveExit) => child.on('close', resolveExit));
  expect(stderr).toBe('');
  expect(code).toBe(0);
}, 120_000);
