#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx synthlab …` works without a build step.
//
// The CLI runs in this process (importing tsx registers its loader, as `node --import tsx` does),
// not in a child: a signal that stops this process (`kill`, `timeout --foreground`) stops the CLI,
// with no child left running, and there is one Node start instead of two.
import 'tsx';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
