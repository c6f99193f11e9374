/**
 * bin/synthlab.mjs runs the compiled CLI (dist/cli/, from scripts/build-cli.mjs) while it is
 * current, and the TypeScript sources through tsx when it is missing or stale; both answer the same.
 * The real launcher and the real build: on the repository after a build (as set-up leaves it), and
 * on a scratch copy of the repository whose sources and build the test changes. No server needed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/infra/paths';
import { planLine } from '../helpers/cli';

const scratch = mkdtempSync(join(tmpdir(), 'synthlab-cli-launcher-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const COMPILED = /^synthlab \(launcher\): running the compiled CLI (\S+) \(current by (.+)\)$/m;
const BY_STATS = "its input files' stats";
const BY_HASH = 'the hash of its input files';
const SOURCES = /^synthlab \(launcher\): running the sources \S+ through tsx: (.+)$/m;
const HEAVY_MODULES = /\/node_modules\/(@temporalio|zod|yaml|openai|node-llama-cpp)\//;
/** The same, as esbuild names the modules it bundled (zod is bundled; required-package: is a package loaded with require()). */
const HEAVY_SOURCES = /(^|\/)node_modules\/(zod|yaml)\/|^required-package:|^src\/(config|data|workers|activities|llm|workflows|infra)\//;

/** What the loaded files of the build were made of: esbuild starts each bundled module with a `// <path>` line. */
function bundledSources(modules: string[]): string[] {
  return modules
    .filter((url) => url.includes('/dist/cli/'))
    .flatMap((url) => readFileSync(fileURLToPath(url), 'utf8').match(/^\/\/ \S+$/gm) ?? [])
    .map((line) => line.slice(3));
}

/** Runs `<root>/bin/synthlab.mjs` with the launcher's report on; with `recordModules`, also the URLs of the modules it loaded. */
function launch(root: string, args: string[], options: { env?: NodeJS.ProcessEnv; recordModules?: boolean } = {}) {
  const recordFile = join(scratch, `modules-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  const record = options.recordModules ? ['--import', fileURLToPath(new URL('../helpers/record-modules.mjs', import.meta.url))] : [];
  const run = spawnSync(process.execPath, [...record, join(root, 'bin', 'synthlab.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, SYNTHLAB_CLI_DEBUG: '1', SYNTHLAB_RECORD_MODULES: recordFile, ...options.env },
  });
  const modules = options.recordModules ? readFileSync(recordFile, 'utf8').split('\n').filter(Boolean) : [];
  return { ...run, modules };
}

function build(root: string) {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs')], { cwd: root, encoding: 'utf8' });
  expect(run.stderr).toMatch(/\[build-cli\] (built|up to date)/);
  expect(run.status).toBe(0);
  return run;
}

describe('the repository after a build', () => {
  beforeAll(() => build(repoRoot));

  it('--help runs the compiled CLI, prints what the sources print, and loads no Temporal, zod or LLM code', () => {
    const compiled = launch(repoRoot, ['--help'], { recordModules: true });
    expect(compiled.status).toBe(0);
    expect(compiled.stderr).toMatch(COMPILED);
    expect(compiled.stderr.match(COMPILED)![1]).toMatch(new RegExp(`^${join(repoRoot, 'dist', 'cli')}/[0-9a-f]{16}/main\\.js$`));
    expect(compiled.modules.some((url) => url.includes('/dist/cli/'))).toBe(true);
    expect(compiled.modules.filter((url) => url.includes('/src/'))).toEqual([]);
    expect(compiled.modules.filter((url) => HEAVY_MODULES.test(url))).toEqual([]);
    expect(bundledSources(compiled.modules)).toContain('src/cli/program.ts');
    expect(bundledSources(compiled.modules).filter((source) => HEAVY_SOURCES.test(source))).toEqual([]);

    const sources = launch(repoRoot, ['--help'], { env: { SYNTHLAB_CLI_SOURCE: '1' } });
    expect(sources.stderr).toMatch(SOURCES);
    expect(sources.stderr.match(SOURCES)![1]).toBe('SYNTHLAB_CLI_SOURCE=1');
    expect(compiled.stdout).toMatch(/^Usage: synthlab /);
    expect(compiled.stdout).toBe(sources.stdout);
  });

  it('a command that reads the config and its files works from dist/ (paths from the repo root), and the module check sees what it loads', () => {
    const run = launch(repoRoot, ['sweep', 'plan', 'configs/demo.yaml'], { recordModules: true });
    expect(run.stderr).toMatch(COMPILED);
    expect(run.status).toBe(0);
    expect(planLine(run.stdout)).toBe('plan: data_products=2 cells=8 label_summaries=0');
    // The estimate renders the demo's prompts from its data files and counts them with the generator's tokenizer.
    expect(run.stdout).toMatch(/^estimate: /m);
    expect(bundledSources(run.modules)).toContain('src/config/load.ts');
    expect(bundledSources(run.modules).some((source) => /(^|\/)node_modules\/zod\//.test(source))).toBe(true);
    expect(run.modules.some((url) => url.includes('/node_modules/yaml/'))).toBe(true);
  });

  it('exit codes and messages are the same: bad input 2, an unknown flag 2, without a stack trace', () => {
    const missing = launch(repoRoot, ['sweep', 'plan', 'configs/no-such-config.yaml']);
    expect(missing.stderr).toMatch(COMPILED);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`synthlab: cannot read config ${join(repoRoot, 'configs', 'no-such-config.yaml')}: no such file\n`);
    const flag = launch(repoRoot, ['sweep', 'status', 'demo', '--wach']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain("synthlab: unknown option '--wach'");
    expect(`${missing.stderr}${flag.stderr}`).not.toMatch(/^\s+at /m);
  });
});

describe('a copy of the repository whose build goes missing or stale', () => {
  const root = join(scratch, 'repo');
  const program = join(root, 'src', 'cli', 'program.ts');

  beforeAll(() => {
    for (const path of ['bin', 'src', 'scripts/build-cli.mjs', 'package.json', 'package-lock.json', 'tsconfig.json']) cpSync(join(repoRoot, path), join(root, path), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  });

  it('without a build the sources run, and say why', () => {
    const run = launch(root, ['--help']);
    expect(run.status).toBe(0);
    expect(run.stderr.match(SOURCES)?.[1]).toMatch(/^no compiled CLI in dist\/cli\//);
    expect(run.stdout).toMatch(/^Usage: synthlab /);
  });

  it('after a build the compiled CLI runs; an edited source makes it stale, and the edit is what runs', () => {
    build(root);
    expect(launch(root, ['--help']).stderr.match(COMPILED)?.[1]).toContain(join(root, 'dist', 'cli'));

    writeFileSync(program, readFileSync(program, 'utf8').replace("command('up')", "command('up-edited')"));
    const stale = launch(root, ['--help']);
    expect(stale.stderr.match(SOURCES)?.[1]).toBe('the compiled CLI is stale: sources changed since `npm run build`');
    expect(stale.stdout).toMatch(/^ {2}up-edited /m);

    build(root);
    const rebuilt = launch(root, ['--help']);
    expect(rebuilt.stderr).toMatch(COMPILED);
    expect(rebuilt.stdout).toBe(stale.stdout);
    expect(build(root).stderr).toMatch(/\[build-cli\] up to date/);
  });

  it('unchanged file stats spare the hash; touched files are hashed, and an edit that keeps size and modification time is still seen', () => {
    build(root);
    expect(launch(root, ['--help']).stderr.match(COMPILED)?.[2]).toBe(BY_STATS);

    // The same content with new stats (a checkout of the same text): hashed, still current.
    const before = statSync(program);
    const text = readFileSync(program, 'utf8');
    writeFileSync(program, text);
    expect(statSync(program).ctimeMs).not.toBe(before.ctimeMs);
    const touched = launch(root, ['--help']);
    expect(touched.stderr.match(COMPILED)?.[2]).toBe(BY_HASH);

    // An edit of the same length, its modification time set back (`touch -r`, to the nanosecond): only the change time tells.
    const reference = join(scratch, 'program-times');
    writeFileSync(reference, '');
    expect(spawnSync('touch', ['-r', program, reference]).status).toBe(0);
    const edited = text.replace("command('up", "command('pu"); // `up`, or `up-edited` after the test above
    expect(edited).not.toBe(text);
    writeFileSync(program, edited);
    expect(spawnSync('touch', ['-r', reference, program]).status).toBe(0);
    expect(statSync(program, { bigint: true }).mtimeNs).toBe(statSync(reference, { bigint: true }).mtimeNs);
    expect(statSync(program).size).toBe(before.size);
    const stale = launch(root, ['--help']);
    expect(stale.stderr.match(SOURCES)?.[1]).toBe('the compiled CLI is stale: sources changed since `npm run build`');
    expect(stale.stdout).toMatch(/^ {2}pu[ -]/m);
    writeFileSync(program, text);
  });

  it('a build whose folder is gone falls back to the sources', () => {
    build(root);
    const current = JSON.parse(readFileSync(join(root, 'dist', 'cli', 'current.json'), 'utf8')) as { folder: string };
    rmSync(join(root, 'dist', 'cli', current.folder), { recursive: true });
    const run = launch(root, ['--help']);
    expect(run.status).toBe(0);
    expect(run.stderr.match(SOURCES)?.[1]).toMatch(/^the compiled CLI's entry .+ is missing/);
    expect(run.stdout).toMatch(/^Usage: synthlab /);
  });
});

describe('npx synthlab', () => {
  it('is the launcher package in bin/, linked into node_modules/.bin by npm install, not the project itself', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    // With a `bin` of its own, npm 11 runs the project as a package: an install into its npx cache at every call.
    expect(manifest.bin).toBeUndefined();
    expect(manifest.dependencies['synthlab-cli']).toBe('file:bin');
    expect(JSON.parse(readFileSync(join(repoRoot, 'bin', 'package.json'), 'utf8')).bin).toEqual({ synthlab: 'synthlab.mjs' });
    expect(readlinkSync(join(repoRoot, 'node_modules', 'synthlab-cli'))).toBe(join('..', 'bin'));
    expect(readlinkSync(join(repoRoot, 'node_modules', '.bin', 'synthlab'))).toBe(join('..', 'synthlab-cli', 'synthlab.mjs'));
  });

  it('runs the CLI without installing anything into npm\'s cache', () => {
    const cache = join(scratch, 'npm-cache');
    const run = spawnSync('npx', ['synthlab', '--help'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: 'false' } });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: synthlab \[options\] \[command\]$/m);
    expect(existsSync(join(cache, '_npx'))).toBe(false);
  });
});
