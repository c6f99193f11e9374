/**
 * The Temporal Web UI in a real headless Chromium, pointed at `synthlab codec-server`: the dev
 * server starts with `--ui-codec-endpoint`, the codec server (the real CLI process) allows the UI's
 * origin only, and the page of a cell whose payloads the server stores encrypted shows the cell's
 * decoded input. The screenshot goes to .synthlab/test-reports/codec-ui-decoded-input.png.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dataConverterFor } from '../../src/infra/encryption/data-converter';
import { newKey, parseKeyRing } from '../../src/infra/encryption/key-ring';
import { freePort } from '../../src/infra/dev-server';
import { repoRoot, synthlabCliArgs } from '../../src/infra/paths';
import { launchHeadlessChromium } from '../helpers/browser';
import { CANARY_ERROR, canaryGoldCellId, databaseBytes, runCanarySweep } from '../helpers/encrypted-sweep';
import { waitFor } from '../helpers/processes';
import { createScriptedModel } from '../helpers/scripted-model';
import { startInProcessWorkers, type InProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

/** The page's visible text; runs in the browser (the project's TypeScript has no DOM types). */
const pageText = () => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText;

const reports = join(repoRoot, '.synthlab', 'test-reports');
const screenshot = join(reports, 'codec-ui-decoded-input.png');
const scratch = mkdtempSync(join(tmpdir(), 'synthlab-codec-ui-'));
const keys = { current: 'ui-key', keys: { 'ui-key': newKey() } };
const keyFile = join(scratch, 'keys.json');
writeFileSync(keyFile, JSON.stringify(keys), { mode: 0o600 });

let temporal: TestTemporal;
let workers: InProcessWorkers | undefined;
let codecServer: ChildProcess | undefined;
let codecServerOutput = '';
let browser: Browser | undefined;
let codecEndpoint: string;

beforeAll(async () => {
  const codecPort = await freePort();
  codecEndpoint = `http://127.0.0.1:${codecPort}`;
  temporal = await startTestTemporal('synthlab-codec-ui-', { dataConverter: dataConverterFor(parseKeyRing(JSON.stringify(keys), 'test keys')), uiCodecEndpoint: codecEndpoint });
  codecServer = spawn(process.execPath, synthlabCliArgs('codec-server', '--port', String(codecPort), '--ui-origin', temporal.server.uiUrl), {
    cwd: repoRoot,
    env: { ...process.env, SYNTHLAB_ENCRYPTION_KEYS_FILE: keyFile, SYNTHLAB_CODEC_SERVER_TOKEN: '', SYNTHLAB_STATE_DIR: temporal.stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  codecServer.stdout?.on('data', (chunk: Buffer) => (codecServerOutput += chunk.toString()));
  codecServer.stderr?.on('data', (chunk: Buffer) => (codecServerOutput += chunk.toString()));
  workers = await startInProcessWorkers(temporal, createScriptedModel([]));
  await runCanarySweep(temporal);
  await waitFor(() => (codecServerOutput.includes('codec server:') ? true : undefined), 60_000, `the codec server to listen (output so far: ${codecServerOutput})`);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  codecServer?.kill('SIGTERM');
  await workers?.stop();
  await temporal?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

it("the Web UI shows a cell's input decoded through the codec server, while the database holds none of it", async () => {
  const bytes = await databaseBytes(temporal.stateDir);
  expect(bytes.includes(Buffer.from(CANARY_ERROR)), 'the canary is in the database as plain text').toBe(false);

  browser = await launchHeadlessChromium();
  const page = await browser.newPage();
  const decodeCalls: string[] = [];
  page.on('response', (response) => {
    if (response.url().startsWith(`${codecEndpoint}/decode`) && response.request().method() === 'POST') decodeCalls.push(String(response.status()));
  });
  const { runId } = await temporal.client.workflow.getHandle(canaryGoldCellId).describe();
  const url = `${temporal.server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(canaryGoldCellId)}/${runId}/history`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  try {
    // The cell's input holds its data root, which holds the canary: there only once decoded.
    await page.waitForFunction(
      (text: string) => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText.includes(text),
      { timeout: 90_000, polling: 500 },
      `/nonexistent-${CANARY_ERROR}`,
    );
  } finally {
    mkdirSync(reports, { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  const text = await page.evaluate(pageText);
  expect(text).toContain('"dataRoot"');
  expect(text).toContain(`/nonexistent-${CANARY_ERROR}`);
  expect(decodeCalls.length, 'the page decoded through the codec server').toBeGreaterThan(0);
  expect(decodeCalls.every((status) => status === '200'), `codec server answers: ${decodeCalls.join(', ')}`).toBe(true);
}, 240_000);
