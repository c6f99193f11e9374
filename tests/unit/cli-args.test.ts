/**
 * The `synthlab` command line's argument parsing, run as the real CLI process (no server needed):
 * unknown flags and missing arguments are errors that name them (exit 2, no stack trace), flags go
 * before or after positionals, every command answers --help, and --help and argument errors load
 * no Temporal, zod or LLM code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { repoRoot, synthlabCliArgs } from '../../src/infra/paths';

const recordDir = mkdtempSync(join(tmpdir(), 'synthlab-cli-args-'));
afterAll(() => rmSync(recordDir, { recursive: true, force: true }));

/** Runs the CLI; with `recordModules`, also returns the URLs of the modules it loaded. */
function synthlab(args: string[], options: { recordModules?: boolean } = {}) {
  const recordFile = join(recordDir, `${args.join('_').replace(/[^\w.-]/g, '-')}.txt`);
  const nodeArgs = options.recordModules ? ['--import', fileURLToPath(new URL('../helpers/record-modules.mjs', import.meta.url)), ...synthlabCliArgs(...args)] : synthlabCliArgs(...args);
  const run = spawnSync(process.execPath, nodeArgs, { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, SYNTHLAB_RECORD_MODULES: recordFile } });
  const modules = options.recordModules ? readFileSync(recordFile, 'utf8').split('\n').filter(Boolean) : [];
  return { ...run, modules };
}

const STACK_TRACE = /^\s+at /m;

it.each([
  [['sweep', 'plan', 'configs/demo.yaml', '--bogus'], '--bogus'],
  [['sweep', 'plan', '--bogus', 'configs/demo.yaml'], '--bogus'],
  [['sweep', 'start', 'configs/demo.yaml', '--wiat'], '--wiat'],
  [['sweep', 'status', 'demo', '--wach'], '--wach'],
  [['report', 'demo', '--output', 'x'], '--output'],
])('synthlab %j: an unknown flag is an error naming it, exit 2', (args, flag) => {
  const run = synthlab(args);
  if (flag === '--wiat') expect(run.stderr).toContain('(Did you mean --wait?)');
  expect(run.status).toBe(2);
  expect(run.stderr).toContain(`synthlab: unknown option '${flag}'`);
  expect(run.stderr).toContain(`Usage: synthlab ${args.slice(0, args[0] === 'sweep' ? 2 : 1).join(' ')}`);
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect(run.stdout).toBe('');
});

it.each([
  [['sweep', 'plan'], "missing required argument 'config'"],
  [['sweep', 'start', '--wait'], "missing required argument 'config'"],
  [['sweep', 'show'], "missing required argument 'workflow-id'"],
  [['report'], "missing required argument 'sweep'"],
  [['report', 'demo', '--out'], "option '--out <dir>' argument missing"],
  [['sweep', 'resume', 'demo', '--config'], "option '--config <file>' argument missing"],
  [['sweep', 'plan', 'configs/demo.yaml', 'configs/demo.yaml'], 'too many arguments'],
  [['bogus'], "unknown command 'bogus'"],
  [['sweep', 'bogus'], "unknown command 'bogus'"],
])('synthlab %j: a missing or extra argument is an error naming it, exit 2', (args, message) => {
  const run = synthlab(args);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain(`synthlab: ${message}`);
  expect(run.stderr).not.toMatch(STACK_TRACE);
});

it.each([[[]], [['sweep']]])('synthlab %j with no command prints the usage and exits 2', (args) => {
  const run = synthlab(args);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain(`Usage: synthlab ${args.join(' ')}`.trimEnd());
});

/** Every command, with the options its help must list. */
const COMMANDS: [string[], string[]][] = [
  [[], []],
  [['up'], []],
  [['down'], []],
  [['worker'], []],
  [['demo'], []],
  [['report'], ['--out <dir>']],
  [['sweep'], []],
  [['sweep', 'plan'], ['--config-only']],
  [['sweep', 'start'], ['--wait']],
  [['sweep', 'list'], []],
  [['sweep', 'status'], ['--watch']],
  [['sweep', 'resume'], ['--config <file>']],
  [['sweep', 'cancel'], []],
  [['sweep', 'show'], []],
  [['codec-server'], ['--port <port>', '--host <address>', '--ui-origin <origins...>', '--namespace <namespace>']],
  [['encryption-key'], ['--id <key-id>']],
];

it.each(COMMANDS.map(([command, options]) => [['synthlab', ...command, '--help'].join(' '), command, options] as const))(
  '%s prints its usage and exits 0',
  (_title, command, options) => {
    const run = synthlab([...command, '--help']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: ${['synthlab', ...command].join(' ')} `));
    for (const option of options) expect(run.stdout).toMatch(new RegExp(`^ {2}${option} `, 'm'));
  },
);

it('synthlab help <command> is --help', () => {
  const run = synthlab(['help', 'sweep']);
  expect(run.status).toBe(0);
  expect(run.stdout).toBe(synthlab(['sweep', '--help']).stdout);
});

it('synthlab sweep plan configs/demo.yaml plans the demo sweep', () => {
  const run = synthlab(['sweep', 'plan', 'configs/demo.yaml']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^plan: data_products=2 cells=8 label_summaries=0\nestimate: llm_requests=14 prompt_tokens=\d+ completion_tokens=2800 \(at most: llm_requests=28 /);
  expect(run.stdout).toMatch(/\nassumptions: expected: every sample .*\n$/);
});

it('bad input in a config is `synthlab: <message>` and exit 2, without a stack trace', () => {
  const run = synthlab(['sweep', 'plan', 'configs/no-such-config.yaml']);
  expect(run.status).toBe(2);
  expect(run.stderr).toBe(`synthlab: cannot read config ${join(repoRoot, 'configs', 'no-such-config.yaml')}: no such file\n`);
});

const HEAVY_MODULES = /\/node_modules\/(@temporalio|zod|yaml|openai|node-llama-cpp)\/|\/src\/(config|data|workers|activities|llm|workflows|infra)\//;

it.each([[['--help']], [['sweep', 'start', '--help']], [['sweep', 'plan', 'configs/demo.yaml', '--bogus']], [['sweep', 'plan']]])(
  'synthlab %j loads no Temporal, zod or LLM code',
  (args) => {
    const run = synthlab(args, { recordModules: true });
    expect(run.modules.some((url) => url.endsWith('/src/cli/program.ts'))).toBe(true);
    expect(run.modules.filter((url) => HEAVY_MODULES.test(url))).toEqual([]);
  },
);

it('the module check sees what a command loads (sweep plan loads the config schema)', () => {
  const run = synthlab(['sweep', 'plan', 'configs/demo.yaml'], { recordModules: true });
  expect(run.status).toBe(0);
  expect(run.modules.some((url) => /\/node_modules\/zod\//.test(url))).toBe(true);
  expect(run.modules.some((url) => url.endsWith('/src/config/load.ts'))).toBe(true);
});
