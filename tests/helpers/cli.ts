/** Running the real `synthlab` CLI from tests, and reading what it prints. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../src/infra/paths';

/**
 * Runs `synthlab …` as `npx synthlab` does, through bin/synthlab.mjs: the compiled CLI while it
 * matches the sources, the sources through tsx otherwise (tests/unit/cli-launcher.test.ts checks
 * both print the same). Tests of the launcher itself or of what the sources load spawn their own.
 */
export function runSynthlab(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, [join(repoRoot, 'bin', 'synthlab.mjs'), ...args], { cwd: repoRoot, encoding: 'utf8', ...(options.env ? { env: options.env } : {}) });
}

/** The `plan: data_products=… cells=…` line `sweep plan` prints first; an error quoting the output when it did not. */
export function planLine(stdout: string): string {
  const [first = ''] = stdout.split('\n');
  if (!first.startsWith('plan: ')) throw new Error(`sweep plan printed no plan line first; its output began: ${JSON.stringify(stdout.slice(0, 300))}`);
  return first;
}
