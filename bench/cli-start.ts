/**
 * How long the `synthlab` CLI takes to answer, side by side with the floors it cannot go under:
 * Node starting and exiting, npx running a shell script that does nothing, and Node loading
 * `@temporalio/client` alone (what `sweep status` cost before it went through temporal-wire/).
 * `--help`, and `sweep status` of one sweep, run through `node bin/synthlab.mjs` and `npx synthlab`,
 * each `--runs` times in turn; medians and minimums of wall time. `status_tree` is the same status
 * through the command tree (`sweep status -- <sweep>`), which the plain form skips.
 *
 *   npm run bench -- cli-start                 # its own dev server, a sweep no worker runs
 *   npm run bench -- cli-start --sweep demo    # a sweep on the configured server (`npm run demo` first)
 *   npm run bench -- cli-start --runs 15
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, stopProcess, type DevServerInfo } from '../src/infra/dev-server';
import { repoRoot } from '../src/infra/paths';
import { TASK_QUEUES } from '../src/shared/constants';
import { positiveIntegerOption } from './options';

interface Measured {
  name: string;
  seconds: number[];
}

const median = (values: number[]) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;

function timed(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): number {
  const started = performance.now();
  const run = spawnSync(command, args, { ...options, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.status}: ${run.stderr.slice(0, 500)}`);
  return seconds;
}

/** A folder where `npx noop` runs a shell script that does nothing: npm's own start. */
function noopProject(scratch: string): string {
  const project = join(scratch, 'noop-project');
  mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'noop-project', private: true }));
  const script = join(project, 'node_modules', '.bin', 'noop');
  writeFileSync(script, '#!/bin/sh\nexit 0\n');
  chmodSync(script, 0o755);
  return project;
}

export async function run(args: string[]): Promise<number> {
  let runs = 9;
  let sweep: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const flag = args[index];
    if (flag === '--runs') runs = positiveIntegerOption(flag, args[++index]);
    else if (flag === '--sweep') sweep = args[++index];
    else throw new Error(`unknown option ${flag}; usage: npm run bench -- cli-start [--runs N] [--sweep <name>]`);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'synthlab-bench-cli-start-'));
  let server: DevServerInfo | undefined;
  try {
    let env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
    if (!sweep) {
      server = await startDevServer({ stateDir: join(scratch, 'state') });
      const connection = await Connection.connect({ address: server.address });
      await new Client({ connection }).workflow.start('sweepWorkflow', { workflowId: 'sweep/bench', taskQueue: TASK_QUEUES.cpu, args: [{}] });
      await connection.close();
      sweep = 'bench';
      env = { ...env, TEMPORAL_ADDRESS: server.address, SYNTHLAB_STATE_DIR: join(scratch, 'state') };
    }
    const sweepName: string = sweep;
    const launcher = join(repoRoot, 'bin', 'synthlab.mjs');
    const inRepo = { cwd: repoRoot, env };
    const noop = { cwd: noopProject(scratch), env };
    const commands: Array<{ name: string; measure: () => number }> = [
      { name: 'node_floor', measure: () => timed(process.execPath, ['-e', '0'], inRepo) },
      { name: 'npx_floor', measure: () => timed('npx', ['noop'], noop) },
      { name: 'sdk_client_load', measure: () => timed(process.execPath, ['-e', "require('@temporalio/client')"], inRepo) },
      { name: 'help', measure: () => timed(process.execPath, [launcher, '--help'], inRepo) },
      { name: 'npx_help', measure: () => timed('npx', ['synthlab', '--help'], inRepo) },
      { name: 'status', measure: () => timed(process.execPath, [launcher, 'sweep', 'status', sweepName], inRepo) },
      { name: 'status_tree', measure: () => timed(process.execPath, [launcher, 'sweep', 'status', '--', sweepName], inRepo) },
      { name: 'npx_status', measure: () => timed('npx', ['synthlab', 'sweep', 'status', sweepName], inRepo) },
    ];
    // One untimed round first: disk caches, and the compiled CLI's check.
    for (const command of commands) command.measure();
    const measured: Measured[] = commands.map(({ name }) => ({ name, seconds: [] }));
    // In turn, so that a busy moment of the machine falls on every command alike.
    for (let round = 0; round < runs; round++) commands.forEach((command, index) => measured[index]!.seconds.push(command.measure()));
    for (const { name, seconds } of measured) {
      console.log(`${name.padEnd(16)} median ${median(seconds).toFixed(3)} s   min ${Math.min(...seconds).toFixed(3)} s`);
    }
    const of = (name: string) => median(measured.find((entry) => entry.name === name)!.seconds);
    console.log(
      `cli-start: help=${of('help').toFixed(2)}s npx_help=${of('npx_help').toFixed(2)}s status=${of('status').toFixed(2)}s status_tree=${of('status_tree').toFixed(2)}s npx_status=${of('npx_status').toFixed(2)}s ` +
        `npx_floor=${of('npx_floor').toFixed(2)}s node_floor=${of('node_floor').toFixed(2)}s sdk_client_load=${of('sdk_client_load').toFixed(2)}s ` +
        `status_over_npx_floor=${(of('npx_status') - of('npx_floor')).toFixed(2)}s (medians of ${runs}, sweep/${sweepName.replace(/^sweep\//, '')})`,
    );
    return 0;
  } finally {
    if (server) await stopProcess(server.pid);
    rmSync(scratch, { recursive: true, force: true });
  }
}
