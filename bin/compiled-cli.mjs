/**
 * The compiled CLI in dist/cli/: where it is and whether it is current. Shared by the launcher
 * (bin/synthlab.mjs, which runs it when current) and the build (scripts/build-cli.mjs, which
 * writes it). Plain Node built-ins only: the launcher loads this at every start.
 *
 * A build lives in its own folder, dist/cli/<hash of its inputs>/, and dist/cli/current.json names
 * it, with the source files the bundle was made of, their hash and their file stats. A build is
 * current when those files still hash the same: a file the bundle does not contain (a workflow, a
 * test) cannot make it stale, and a new file only matters once an input imports it, which changes
 * that input. Hashing ~190 files is most of the launcher's own start time, so, as git's index does,
 * files whose stats are all unchanged count as unchanged, and only a change of stats makes the
 * launcher hash them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The folder that holds the builds and current.json, relative to the repo root. */
export const COMPILED_CLI_DIR = join('dist', 'cli');

/** current.json: the build in use. */
export const CURRENT_BUILD_FILE = 'current.json';

/** Files outside src/ whose change changes the output: the build's options, and the npm packages (bundled, or how they load). */
export const BUILD_CONFIGURATION_FILES = ['scripts/build-cli.mjs', 'bin/compiled-cli.mjs', 'tsconfig.json', 'package-lock.json'];

/** One hash over the files' relative paths and contents, in the given order. node:crypto loads only here. */
export function hashFiles(root, relativePaths) {
  const { createHash } = createRequire(import.meta.url)('node:crypto');
  const hash = createHash('sha256');
  for (const relativePath of relativePaths) {
    hash.update(relativePath).update('\0').update(readFileSync(join(root, relativePath))).update('\0');
  }
  return hash.digest('hex');
}

/**
 * What a file's stats say about its content: size, modification and change times, inode. Any write
 * sets the change time, which no tool can set back, so an edit that keeps size and modification time
 * (`touch -r`, `cp -p` over it) still shows. Stats that changed with the same content (a checkout
 * of the same text) only cost a hash.
 */
export function fileStats(root, relativePaths) {
  return relativePaths.map((relativePath) => {
    const stats = statSync(join(root, relativePath));
    return [stats.size, stats.mtimeMs, stats.ctimeMs, stats.ino];
  });
}

function sameStats(recorded, root, relativePaths) {
  if (!Array.isArray(recorded) || recorded.length !== relativePaths.length) return false;
  try {
    const now = fileStats(root, relativePaths);
    return now.every((stats, index) => Array.isArray(recorded[index]) && stats.every((value, field) => value === recorded[index][field]));
  } catch {
    return false;
  }
}

/** The parsed current.json, or undefined when it is missing or unreadable. */
export function readCurrentBuild(root) {
  try {
    const build = JSON.parse(readFileSync(join(root, COMPILED_CLI_DIR, CURRENT_BUILD_FILE), 'utf8'));
    const wellFormed =
      typeof build?.folder === 'string' &&
      typeof build.entry === 'string' &&
      typeof build.inputsHash === 'string' &&
      Array.isArray(build.inputs) &&
      build.inputs.every((input) => typeof input === 'string');
    return wellFormed ? build : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The compiled entry to run, `{ entry }` (an absolute path), or `{ reason }` why the TypeScript
 * sources must run instead.
 */
export function currentCompiledCli(root) {
  const build = readCurrentBuild(root);
  if (!build) return { reason: `no compiled CLI in ${COMPILED_CLI_DIR}/ (\`npm run build\` or \`npm run setup\` makes it)` };
  let checkedBy = 'its input files\' stats';
  if (!sameStats(build.stats, root, build.inputs)) {
    checkedBy = 'the hash of its input files';
    let inputsHash;
    try {
      inputsHash = hashFiles(root, build.inputs);
    } catch (error) {
      return { reason: `the compiled CLI is stale: ${error.code === 'ENOENT' ? `${error.path} is gone` : error.message} (\`npm run build\`)` };
    }
    if (inputsHash !== build.inputsHash) return { reason: 'the compiled CLI is stale: sources changed since `npm run build`' };
  }
  const entry = join(root, COMPILED_CLI_DIR, build.folder, build.entry);
  if (!existsSync(entry)) return { reason: `the compiled CLI's entry ${entry} is missing (\`npm run build\`)` };
  return { entry, checkedBy };
}
