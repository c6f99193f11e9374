#!/usr/bin/env node
// Runs the `synthlab` CLI: the compiled build in dist/cli/ when it is current (set-up and
// `npm run build` make it; bin/compiled-cli.mjs says when it is current), otherwise the TypeScript
// sources through tsx, which is slower to start but always runs what is in src/.
// SYNTHLAB_CLI_DEBUG=1 says on stderr which one runs and why; SYNTHLAB_CLI_SOURCE=1 runs the sources.
// A stack trace from the build names dist/ files; NODE_OPTIONS=--enable-source-maps maps them to
// src/ (not on by default: it parses the source maps of every package loaded, which costs start time).
//
// The CLI runs in this process (importing tsx registers its loader, as `node --import tsx` does),
// not in a child: a signal that stops this process (`kill`, `timeout --foreground`) stops the CLI,
// with no child left running, and there is one Node start instead of two.
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { currentCompiledCli } from './compiled-cli.mjs';

// npx runs this file under `sh -c`, and forwards a SIGINT or SIGTERM it gets to that shell only,
// which dies of it without passing it on. So under npx a new parent means npx was stopped: stop too,
// through SIGTERM, so that a command that shuts down gracefully (the worker) still does.
if (process.env.npm_lifecycle_event === 'npx') {
  const launcher = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  watch.unref();
}

// Node 22 and later keep the compiled code of every module between runs (Node 20 has no such cache).
module.enableCompileCache?.();

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = process.env.SYNTHLAB_CLI_SOURCE === '1' ? { reason: 'SYNTHLAB_CLI_SOURCE=1' } : currentCompiledCli(root);
const debug = (message) => process.env.SYNTHLAB_CLI_DEBUG === '1' && process.stderr.write(`synthlab (launcher): ${message}\n`);

if ('entry' in compiled) {
  debug(`running the compiled CLI ${compiled.entry} (current by ${compiled.checkedBy})`);
  await import(pathToFileURL(compiled.entry).href);
} else {
  const sources = join(root, 'src', 'cli', 'main.ts');
  debug(`running the sources ${sources} through tsx: ${compiled.reason}`);
  await import('tsx');
  await import(pathToFileURL(sources).href);
}
