/**
 * `synthlab sweep show|status|cancel` on a workflow id the server does not know: a one-line error
 * naming the id and the server, exit code 1, no stack trace. The real CLI against a real server.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot, synthlabCliArgs } from '../../src/infra/paths';
import { cliEnvFor, startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-cli-not-found-');
});

afterAll(async () => {
  await temporal?.stop();
});

function synthlab(...args: string[]) {
  return spawnSync(process.execPath, synthlabCliArgs(...args), { cwd: repoRoot, encoding: 'utf8', env: cliEnvFor(temporal) });
}

it.each([
  [['sweep', 'show', 'sweep/nothing/cell/sib200.cy.gold.gold.s1'], 'sweep/nothing/cell/sib200.cy.gold.gold.s1'],
  [['sweep', 'status', 'nothing'], 'sweep/nothing'],
  [['sweep', 'cancel', 'nothing'], 'sweep/nothing'],
])('synthlab %j names the missing workflow and exits 1', (args, workflowId) => {
  const run = synthlab(...args);
  expect(run.status).toBe(1);
  expect(run.stderr.trim()).toBe(
    `synthlab: no workflow ${workflowId} on ${temporal.server.address} (sweeps are sweep/<name>, cells sweep/<name>/cell/<key>; \`synthlab sweep list\` lists the sweeps)`,
  );
}, 60_000);
