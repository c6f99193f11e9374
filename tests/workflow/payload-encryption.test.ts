/**
 * Payload encryption end to end: a real dev server, the real `synthlab worker` process and the real
 * CLI with SYNTHLAB_ENCRYPTION_KEYS_FILE set. A sweep carries one canary text in its inputs (the
 * task description: workflow and activity inputs) and one in every failure message (a data root
 * that does not exist). Neither canary is anywhere in the server's SQLite database (main file and
 * write-ahead log), while the client and the CLI still decode both. The same sweep without
 * encryption writes both canaries into the database: the check can fail.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { failureCause } from '../../src/cli/failures';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../src/infra/encryption/aes-gcm-codec';
import { dataConverterFor } from '../../src/infra/encryption/data-converter';
import { newKey, parseKeyRing } from '../../src/infra/encryption/key-ring';
import { repoRoot, synthlabCliArgs } from '../../src/infra/paths';
import { CANARY_ERROR, CANARY_INPUT, canaryGoldCellId, canarySweepInput, databaseBytes, runCanarySweep, startWorkerProcess, stopWorkerProcess } from '../helpers/encrypted-sweep';
import { cliEnvFor, startTestTemporal, type TestTemporal } from '../helpers/temporal';

const { temporal: protos } = proto;
const EventType = protos.api.enums.v1.EventType;
const scratch = mkdtempSync(join(tmpdir(), 'synthlab-encryption-keys-'));
const keyFile = join(scratch, 'keys.json');
const keys = { current: 'k2', keys: { k2: newKey(), k1: newKey() } };
writeFileSync(keyFile, JSON.stringify(keys), { mode: 0o600 });
const keyRing = parseKeyRing(JSON.stringify(keys), 'test keys');
const codec = new AesGcmPayloadCodec(keyRing);
const encoding = (payload: Payload | null | undefined) => Buffer.from(payload?.metadata?.encoding ?? []).toString();

const started: TestTemporal[] = [];
afterAll(async () => {
  for (const temporal of started) await temporal.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function synthlab(temporal: TestTemporal, args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, synthlabCliArgs(...args), { cwd: repoRoot, encoding: 'utf8', env: { ...cliEnvFor(temporal), ...env } });
}

describe('with SYNTHLAB_ENCRYPTION_KEYS_FILE on worker and client', () => {
  let temporal: TestTemporal;

  it('the sweep fails as it should, and the client decodes its input and its failure chain', async () => {
    temporal = await startTestTemporal('synthlab-encryption-', { dataConverter: dataConverterFor(keyRing) });
    started.push(temporal);
    const worker = startWorkerProcess(temporal, { SYNTHLAB_ENCRYPTION_KEYS_FILE: keyFile });
    try {
      const error = await runCanarySweep(temporal);
      expect(failureCause(error).root).toContain(CANARY_ERROR);
    } finally {
      await stopWorkerProcess(worker);
    }

    const history = await temporal.client.workflow.getHandle(canarySweepInput.sweepId).fetchHistory();
    const [startedEvent] = history.events ?? [];
    const [inputPayload] = startedEvent?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    expect(encoding(inputPayload)).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(inputPayload!.metadata!['encryption-key-id']!).toString()).toBe('k2');
    const [decoded] = await codec.decode([inputPayload!]);
    expect(defaultPayloadConverter.fromPayload<typeof canarySweepInput>(decoded!).config.tasks[0]!.description).toContain(CANARY_INPUT);
  });

  it('failure messages and stack traces are encoded into encrypted payloads, the cause chain through', async () => {
    /** Every failure of a chain: its message replaced, its text in an encrypted payload. */
    function expectEncoded(failure: proto.temporal.api.failure.v1.IFailure | null | undefined, where: string): void {
      expect(failure, where).toBeTruthy();
      for (let current = failure; current; current = current.cause) {
        expect(current.message, where).toBe('Encoded failure');
        expect(current.stackTrace ?? '', where).toBe('');
        expect(encoding(current.encodedAttributes), where).toBe(ENCRYPTED_ENCODING);
      }
    }
    let productId = '';
    for await (const execution of temporal.client.workflow.list({ query: "WorkflowType = 'dataProductWorkflow'" })) productId = execution.workflowId;
    // An activity's failure (converted by the worker), and workflows' own (converted in the sandbox).
    const product = await temporal.client.workflow.getHandle(productId).fetchHistory();
    const activityFailed = product.events?.find((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED);
    expectEncoded(activityFailed?.activityTaskFailedEventAttributes?.failure, 'generate activity failure');
    for (const workflowId of [productId, canaryGoldCellId, canarySweepInput.sweepId]) {
      const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
      const workflowFailed = history.events?.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
      expectEncoded(workflowFailed?.workflowExecutionFailedEventAttributes?.failure, `${workflowId} failure`);
    }
  });

  it('neither canary is in the server database file or its write-ahead log', async () => {
    const bytes = await databaseBytes(temporal.stateDir);
    expect(bytes.length).toBeGreaterThan(100_000);
    expect(bytes.includes(Buffer.from(CANARY_INPUT)), 'the input canary is in the database').toBe(false);
    expect(bytes.includes(Buffer.from(CANARY_ERROR)), 'the error canary is in the database').toBe(false);
    // The workflow ids are not payloads: they are there, so the bytes read are the right ones.
    expect(bytes.includes(Buffer.from(canaryGoldCellId))).toBe(true);
  });

  it('the CLI with the keys prints the decoded failure; without them it says how to read it', () => {
    const withKeys = synthlab(temporal, ['sweep', 'show', canaryGoldCellId], { SYNTHLAB_ENCRYPTION_KEYS_FILE: keyFile });
    expect(withKeys.stderr).toBe('');
    expect(withKeys.stdout).toContain(`error: DataError: /nonexistent-${CANARY_ERROR}/sib200/cym_Latn/train.tsv, line 0: file not found`);
    const withoutKeys = synthlab(temporal, ['sweep', 'show', canaryGoldCellId], { SYNTHLAB_ENCRYPTION_KEYS_FILE: '' });
    expect(`${withoutKeys.stdout}${withoutKeys.stderr}`).toMatch(/encryption is off here: set SYNTHLAB_ENCRYPTION_KEYS_FILE/);
    expect(`${withoutKeys.stdout}${withoutKeys.stderr}`).not.toContain(CANARY_ERROR);
    expect(withoutKeys.stderr).not.toMatch(/^\s+at /m);
    // The sweep failed: `sweep status` reads its failures through the SDK's client and the codec.
    const statusWithKeys = synthlab(temporal, ['sweep', 'status', 'secret'], { SYNTHLAB_ENCRYPTION_KEYS_FILE: keyFile });
    expect(statusWithKeys.stderr).toBe('');
    expect(statusWithKeys.stdout).toMatch(/^sweep\/secret: FAILED, \d+ s$/m);
    expect(statusWithKeys.stdout).toMatch(new RegExp(`^  failed cell ${canaryGoldCellId} at stage select: DataError: .*${CANARY_ERROR}`, 'm'));
    const statusWithoutKeys = synthlab(temporal, ['sweep', 'status', 'secret'], { SYNTHLAB_ENCRYPTION_KEYS_FILE: '' });
    expect(`${statusWithoutKeys.stdout}${statusWithoutKeys.stderr}`).toMatch(/encryption is off here: set SYNTHLAB_ENCRYPTION_KEYS_FILE/);
    expect(statusWithoutKeys.stderr).not.toMatch(/^\s+at /m);
    expect(withoutKeys.status).toBe(2);
  });
});

describe('without encryption (the control)', () => {
  it('the same sweep writes both canaries into the database as plain text', async () => {
    const temporal = await startTestTemporal('synthlab-no-encryption-');
    started.push(temporal);
    const worker = startWorkerProcess(temporal, { SYNTHLAB_ENCRYPTION_KEYS_FILE: '' });
    try {
      await runCanarySweep(temporal);
    } finally {
      await stopWorkerProcess(worker);
    }
    const bytes = await databaseBytes(temporal.stateDir);
    expect(bytes.includes(Buffer.from(CANARY_INPUT))).toBe(true);
    expect(bytes.includes(Buffer.from(CANARY_ERROR))).toBe(true);
  });
});
