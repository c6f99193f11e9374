/**
 * `synthlab sweep show|status|cancel` on a workflow id the server does not know: a one-line error
 * naming the id and the server, exit code 1, no stack trace. The real CLI against a real server;
 * and `sweep status` where no server listens.
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

it('synthlab sweep status with no server at the address says so at once, exit 1, no stack trace', () => {
  // A port that was free a moment ago: nothing listens there.
  const closedPort = spawnSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' }).stdout.trim();
  const address = `127.0.0.1:${closedPort}`;
  const run = spawnSync(process.execPath, synthlabCliArgs('sweep', 'status', 'nothing'), { cwd: repoRoot, encoding: 'utf8', env: { ...cliEnvFor(temporal), TEMPORAL_ADDRESS: address } });
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(new RegExp(`^synthlab: the Temporal server at ${address} did not answer \\(.*ECONNREFUSED.*\\); is it running\\? \`synthlab up\` starts the embedded one\\n$`));
}, 60_000);
