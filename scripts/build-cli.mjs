#!/usr/bin/env node
/**
 * Compiles the `synthlab` CLI ahead of time, so that bin/synthlab.mjs starts without tsx's
 * TypeScript loader: src/cli/main.ts and everything it imports, bundled by esbuild into
 * dist/cli/<hash>/ (each command's lazily imported module stays a separate chunk, loaded only when
 * that command runs). npm packages load from node_modules, as under tsx, except zod (see
 * `npmPackages` below). Workflow code is not compiled here: the worker bundles src/workflows at
 * start, as before.
 *
 *   node scripts/build-cli.mjs            build unless the current build is up to date (a no-op then)
 *   node scripts/build-cli.mjs --force    build anyway
 *
 * A build is written to a folder of its own and only then named in current.json (written by a
 * rename), so a CLI starting during a build runs the previous build or the sources, never half a
 * build. The previous build is kept for processes still running from it; older ones are removed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUILD_CONFIGURATION_FILES, COMPILED_CLI_DIR, CURRENT_BUILD_FILE, currentCompiledCli, fileStats, hashFiles, readCurrentBuild } from '../bin/compiled-cli.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (message) => process.stderr.write(`[build-cli] ${message}\n`);

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--force');
if (unknown.length > 0) {
  log(`unknown argument ${unknown[0]}; usage: node scripts/build-cli.mjs [--force]`);
  process.exit(2);
}
const force = args.includes('--force');

if (!force && 'entry' in currentCompiledCli(root)) {
  log(`up to date (${join(COMPILED_CLI_DIR, readCurrentBuild(root).folder)})`);
  process.exit(0);
}

const outRoot = join(root, COMPILED_CLI_DIR);
mkdirSync(outRoot, { recursive: true });

/** Every file under src/, for noticing an edit made while esbuild was reading the sources. */
function sourceTreeHash() {
  const files = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
  return hashFiles(root, files);
}

/** Whether Node loads this file as CommonJS (by its extension, else the nearest package.json's `type`). */
function isCommonJsFile(file) {
  if (file.endsWith('.cjs')) return true;
  if (file.endsWith('.mjs')) return false;
  for (let directory = dirname(file); directory !== dirname(directory); directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).type !== 'module';
  }
  return true;
}

/** Packages bundled into the build: zod's ES build is about 230 small modules, most of its load time. */
const BUNDLED_PACKAGES = ['zod'];

/**
 * How the build loads an npm package at run time. A package that Node loads as CommonJS whether it
 * is imported or required (the Temporal SDK, yaml) is loaded with `require()`: through `import`,
 * Node 20 runs its ES module loader over every file such a package requires, which made loading the
 * Temporal client take half again as long (0.60 s of CPU instead of 0.38 s, with common and
 * envconfig). Bundled packages are built in; every other package (ES modules, or packages with an
 * ES build for `import`) stays an `import`.
 */
const REQUIRED_PACKAGE = 'required-package';
const npmPackages = {
  name: 'npm-packages',
  setup(pluginBuild) {
    const loadedAsCommonJs = (specifier) => {
      try {
        const imported = fileURLToPath(import.meta.resolve(specifier));
        return imported === createRequire(import.meta.url).resolve(specifier) && isCommonJsFile(imported);
      } catch {
        return false;
      }
    };
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
      if (isBuiltin(args.path) || args.namespace === REQUIRED_PACKAGE) return { path: args.path, external: true };
      if (BUNDLED_PACKAGES.some((name) => args.path === name || args.path.startsWith(`${name}/`))) return undefined;
      if (loadedAsCommonJs(args.path)) return { path: args.path, namespace: REQUIRED_PACKAGE };
      return { path: args.path, external: true };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: REQUIRED_PACKAGE }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/**
 * zod's every entry (`zod`, `zod/mini`, `zod/v4/core`) re-exports its 64 locales as `locales`, and a
 * module that an entry reaches goes into that entry's chunks: every command that checks anything
 * would load half a megabyte of translated error messages. Nothing in src/ reads `locales`; the
 * English messages that zod's full build sets as its default come from locales/en.js, which stays.
 */
const ZOD_LOCALES_INDEX = 'zod-locales-index';
const zodWithoutLocalesIndex = {
  name: 'zod-without-locales-index',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: args.path, namespace: ZOD_LOCALES_INDEX } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: ZOD_LOCALES_INDEX }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/** Bundles into a scratch folder; returns the folder and the source files the bundle was made of. */
async function bundle() {
  const scratch = join(outRoot, `.building-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir: scratch,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [zodWithoutLocalesIndex, npmPackages],
    // The `require` that the packages loaded with require() are loaded through, in every output file.
    banner: { js: "import { createRequire as createRequireForPackages } from 'node:module';\nconst require = createRequireForPackages(import.meta.url);" },
    // Class and function names as in the sources: error names, and anything that reads `.name`.
    keepNames: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  }).catch((error) => {
    rmSync(scratch, { recursive: true, force: true });
    // esbuild has printed the errors, with file and line.
    if (Array.isArray(error.errors)) {
      log('build failed; nothing changed in dist/');
      process.exit(1);
    }
    throw error;
  });
  // The sources; bundled packages and how the others load are covered by package-lock.json.
  const inputs = Object.keys(result.metafile.inputs).filter((input) => input.startsWith('src/')).sort();
  return { scratch, inputs: [...inputs, ...BUILD_CONFIGURATION_FILES] };
}

const startedAt = Date.now();
let built;
for (let attempt = 1; !built; attempt += 1) {
  const before = sourceTreeHash();
  const candidate = await bundle();
  if (sourceTreeHash() === before) built = candidate;
  else if (attempt === 3) throw new Error('src/ kept changing while the CLI was being built; run `npm run build` again');
  else rmSync(candidate.scratch, { recursive: true, force: true });
}

// Stats first: a file written after they are taken no longer matches them, so the launcher hashes it.
const stats = fileStats(root, built.inputs);
const inputsHash = hashFiles(root, built.inputs);
const folder = inputsHash.slice(0, 16);
const previous = readCurrentBuild(root)?.folder;
if (existsSync(join(outRoot, folder))) rmSync(built.scratch, { recursive: true, force: true });
else renameSync(built.scratch, join(outRoot, folder));

const currentFile = join(outRoot, CURRENT_BUILD_FILE);
writeFileSync(`${currentFile}.${process.pid}`, `${JSON.stringify({ folder, entry: 'main.js', inputsHash, inputs: built.inputs, stats })}\n`);
renameSync(`${currentFile}.${process.pid}`, currentFile);

for (const entry of readdirSync(outRoot, { withFileTypes: true })) {
  const keep = entry.name === folder || entry.name === previous || entry.name.startsWith('.building-');
  if (entry.isDirectory() && !keep) rmSync(join(outRoot, entry.name), { recursive: true, force: true });
}
const size = readdirSync(join(outRoot, folder), { recursive: true }).filter((name) => name.endsWith('.js')).length;
log(`built ${join(COMPILED_CLI_DIR, folder)} (${size} modules from ${built.inputs.length} files) in ${Date.now() - startedAt} ms`);
