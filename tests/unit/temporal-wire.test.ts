/**
 * temporal-wire/, the SDK-free client `sweep status` uses: the protobuf reader and writer, every
 * request it sends decoded by the SDK's own message types (so each field number is checked against
 * temporalio/api), every response it reads encoded by them, and payload decoding, encrypted ones
 * included. The calls themselves run against real servers in the workflow tests (cli-compiled,
 * cli-failures, cli-not-found, payload-encryption, tls-connection).
 */
import { defaultPayloadConverter, type Payload as SdkPayload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec } from '../../src/infra/encryption/aes-gcm-codec';
import { newKey } from '../../src/infra/encryption/key-ring';
import {
  closeEventRequest,
  closeEventResponse,
  countWorkflowsRequest,
  countWorkflowsResponse,
  describeTaskQueueRequest,
  describeWorkflowRequest,
  describeWorkflowResponse,
  listWorkflowsRequest,
  listWorkflowsResponse,
  pollerCountOf,
  queryWorkflowRequest,
  queryWorkflowResponse,
  WORKFLOW_TASK_QUEUE_TYPE,
} from '../../src/infra/temporal-wire/messages';
import { PayloadReader, type Payload } from '../../src/infra/temporal-wire/payloads';
import { ProtobufDecodeError, ProtoReader, ProtoWriter } from '../../src/infra/temporal-wire/protobuf';

const api = proto.temporal.api;
const workflowService = api.workflowservice.v1;

/** Bytes of an SDK message built from a plain object (fromObject takes numbers where the types say Long). */
function encoded(type: { fromObject(object: Record<string, unknown>): object; encode(message: object): { finish(): Uint8Array } }, object: Record<string, unknown>): Uint8Array {
  return type.encode(type.fromObject(object)).finish();
}

/** A payload as the SDK's default converter writes it, in the wire client's shape. */
function wirePayload(payload: SdkPayload): Payload {
  return { metadata: new Map(Object.entries(payload.metadata ?? {})), data: payload.data ?? new Uint8Array() };
}

const started = new Date('2026-11-30T12:00:01.250Z');
const closed = new Date('2026-11-30T12:03:04.500Z');
const seconds = (date: Date) => ({ seconds: Math.floor(date.getTime() / 1000), nanos: (date.getTime() % 1000) * 1e6 });

/** A WorkflowExecutionInfo with every field the wire client reads, and some it does not. */
function executionInfo(workflowId: string, status: number) {
  return {
    execution: { workflowId, runId: `run-of-${workflowId}` },
    type: { name: 'cellWorkflow' },
    startTime: seconds(started),
    closeTime: seconds(closed),
    status,
    historyLength: 42,
    memo: { fields: { note: defaultPayloadConverter.toPayload('not read') } },
    searchAttributes: { indexedFields: { Stage: defaultPayloadConverter.toPayload('fine-tune'), SweepId: defaultPayloadConverter.toPayload('sweep/x') } },
    taskQueue: 'cpu',
    stateTransitionCount: 7,
    rootExecution: { workflowId: 'sweep/x', runId: 'root-run' },
  };
}

describe('the protobuf reader and writer', () => {
  it('round-trip strings, bytes, integers (negative and past 32 bits), booleans, nested and repeated messages and maps', () => {
    const bytes = new ProtoWriter()
      .string(1, 'Llanfair ✓')
      .bytes(2, Uint8Array.from([0, 1, 255]))
      .int(3, -5)
      .int(4, 2 ** 40 + 3)
      .int(5, true)
      .message(6, new ProtoWriter().string(1, 'inner'))
      .message(7, new ProtoWriter().int(1, 1))
      .message(7, new ProtoWriter().int(1, 2))
      .message(8, new ProtoWriter().string(1, 'key').bytes(2, Buffer.from('value')))
      .finish();
    const reader = new ProtoReader(bytes);
    expect(reader.string(1)).toBe('Llanfair ✓');
    expect([...reader.bytes(2)]).toEqual([0, 1, 255]);
    expect(reader.int(3)).toBe(-5);
    expect(reader.int(4)).toBe(2 ** 40 + 3);
    expect(reader.bool(5)).toBe(true);
    expect(reader.message(6)?.string(1)).toBe('inner');
    expect(reader.messages(7).map((message) => message.int(1))).toEqual([1, 2]);
    expect(Buffer.from(reader.map(8, (entry) => entry.bytes(2)).get('key')!).toString()).toBe('value');
  });

  it('leaves out fields at their defaults, and reads absent fields as defaults', () => {
    expect(new ProtoWriter().string(1, '').int(2, 0).int(3, false).bytes(4, new Uint8Array()).finish().length).toBe(0);
    const empty = new ProtoReader(new Uint8Array());
    expect([empty.string(1), empty.int(2), empty.bool(3), empty.bytes(4).length, empty.message(5), empty.messages(6)]).toEqual(['', 0, false, 0, undefined, []]);
  });

  it('skips fields it is not asked for, of every wire type', () => {
    const message = encoded(api.workflow.v1.WorkflowExecutionInfo, { ...executionInfo('w', 1), executionDuration: { seconds: 3 }, historySizeBytes: 9000 });
    // Fixed-width fields (wire types 1 and 5, a double and a float) at numbers 90 and 91: their tags are two-byte varints.
    const withFixed = Buffer.concat([message, Buffer.from([0xd1, 0x05, 1, 2, 3, 4, 5, 6, 7, 8, 0xdd, 0x05, 1, 2, 3, 4])]);
    expect(new ProtoReader(withFixed).string(13)).toBe('cpu');
  });

  it('refuses bytes that are not a message', () => {
    expect(() => new ProtoReader(Uint8Array.from([(1 << 3) | 2, 10, 1]))).toThrow(ProtobufDecodeError);
    expect(() => new ProtoReader(Uint8Array.from([0x80]))).toThrow(ProtobufDecodeError);
    expect(() => new ProtoReader(Uint8Array.from([(1 << 3) | 7]))).toThrow(/wire type 7/);
    expect(() => new ProtoReader(new ProtoWriter().int(1, 3).finish()).string(1)).toThrow(/is a number/);
  });
});

describe('requests, decoded by the SDK', () => {
  it('DescribeWorkflowExecution', () => {
    const request = workflowService.DescribeWorkflowExecutionRequest.decode(describeWorkflowRequest('research', 'sweep/x', 'run-1'));
    expect(request.namespace).toBe('research');
    expect(request.execution?.workflowId).toBe('sweep/x');
    expect(request.execution?.runId).toBe('run-1');
  });

  it('GetWorkflowExecutionHistory of the close event', () => {
    const request = workflowService.GetWorkflowExecutionHistoryRequest.decode(closeEventRequest('research', 'sweep/x', 'run-1'));
    expect(request.namespace).toBe('research');
    expect(request.execution?.workflowId).toBe('sweep/x');
    expect(request.execution?.runId).toBe('run-1');
    expect(request.historyEventFilterType).toBe(api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
    expect(request.waitNewEvent).toBe(false);
  });

  it('QueryWorkflow', () => {
    const request = workflowService.QueryWorkflowRequest.decode(queryWorkflowRequest('research', 'sweep/x', 'progress'));
    expect(request.execution?.workflowId).toBe('sweep/x');
    expect(request.query?.queryType).toBe('progress');
    expect(request.query?.queryArgs?.payloads ?? []).toEqual([]);
    expect(request.queryRejectCondition).toBe(api.enums.v1.QueryRejectCondition.QUERY_REJECT_CONDITION_NONE);
  });

  it('DescribeTaskQueue of the workflow task queue', () => {
    const request = workflowService.DescribeTaskQueueRequest.decode(describeTaskQueueRequest('research', 'cpu', WORKFLOW_TASK_QUEUE_TYPE));
    expect(request.taskQueue?.name).toBe('cpu');
    expect(request.taskQueue?.kind).toBe(api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
    expect(request.taskQueueType).toBe(api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
  });

  it('ListWorkflowExecutions and CountWorkflowExecutions', () => {
    const list = workflowService.ListWorkflowExecutionsRequest.decode(listWorkflowsRequest('research', "SweepId = 'sweep/x'", 100, Uint8Array.from([9, 8])));
    expect([list.namespace, list.query, list.pageSize, [...list.nextPageToken]]).toEqual(['research', "SweepId = 'sweep/x'", 100, [9, 8]]);
    const count = workflowService.CountWorkflowExecutionsRequest.decode(countWorkflowsRequest('research', "WorkflowType = 'cellWorkflow'"));
    expect([count.namespace, count.query]).toEqual(['research', "WorkflowType = 'cellWorkflow'"]);
  });
});

describe('responses, encoded by the SDK', () => {
  const statuses = api.enums.v1.WorkflowExecutionStatus;

  it('DescribeWorkflowExecution: id, run, type, status named as the SDK names it, times, task queue, search attributes', async () => {
    const bytes = encoded(workflowService.DescribeWorkflowExecutionResponse, {
      executionConfig: { taskQueue: { name: 'cpu' } },
      workflowExecutionInfo: executionInfo('sweep/x/cell/k', statuses.WORKFLOW_EXECUTION_STATUS_CANCELED),
      pendingActivities: [{ activityId: '1', activityType: { name: 'fineTuneAndEvaluate' } }],
    });
    const execution = describeWorkflowResponse(bytes);
    expect(execution).toMatchObject({ workflowId: 'sweep/x/cell/k', runId: 'run-of-sweep/x/cell/k', type: 'cellWorkflow', status: 'CANCELLED', taskQueue: 'cpu' });
    expect(execution.startTime?.toISOString()).toBe(started.toISOString());
    expect(execution.closeTime?.toISOString()).toBe(closed.toISOString());
    expect(await new PayloadReader({}).value(execution.searchAttributes.get('Stage')!)).toBe('fine-tune');
    const names = Object.entries(statuses).filter(([, value]) => typeof value === 'number' && value > 0);
    for (const [name, value] of names) {
      const sdkName = name.replace('WORKFLOW_EXECUTION_STATUS_', '').replace('CANCELED', 'CANCELLED');
      expect(describeWorkflowResponse(encoded(workflowService.DescribeWorkflowExecutionResponse, { workflowExecutionInfo: { status: value as number } })).status).toBe(sdkName);
    }
    const running = describeWorkflowResponse(encoded(workflowService.DescribeWorkflowExecutionResponse, { workflowExecutionInfo: { status: statuses.WORKFLOW_EXECUTION_STATUS_RUNNING } }));
    expect(running.closeTime).toBeUndefined();
  });

  it('GetWorkflowExecutionHistory: the result of a completed close event; nothing for another kind of close', async () => {
    const result = defaultPayloadConverter.toPayload({ runs: 2, cells: { total: 8 } });
    const completed = encoded(workflowService.GetWorkflowExecutionHistoryResponse, {
      history: { events: [{ eventId: 11, eventType: api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, workflowExecutionCompletedEventAttributes: { result: { payloads: [result] }, workflowTaskCompletedEventId: 10 } }] },
    });
    const close = closeEventResponse(completed);
    expect(close.completed).toBe(true);
    if (!close.completed) return;
    expect(await new PayloadReader({}).value(close.result[0]!)).toEqual({ runs: 2, cells: { total: 8 } });
    const failed = encoded(workflowService.GetWorkflowExecutionHistoryResponse, {
      history: { events: [{ eventId: 11, eventType: api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, workflowExecutionFailedEventAttributes: { failure: { message: 'boom' } } }] },
    });
    expect(closeEventResponse(failed)).toEqual({ completed: false });
  });

  it('QueryWorkflow: the result payloads, or undefined when rejected', async () => {
    const answered = encoded(workflowService.QueryWorkflowResponse, { queryResult: { payloads: [defaultPayloadConverter.toPayload({ cells: { done: 3 } })] } });
    const [progress] = queryWorkflowResponse(answered)!;
    expect(await new PayloadReader({}).value(progress!)).toEqual({ cells: { done: 3 } });
    const rejected = encoded(workflowService.QueryWorkflowResponse, { queryRejected: { status: statuses.WORKFLOW_EXECUTION_STATUS_FAILED } });
    expect(queryWorkflowResponse(rejected)).toBeUndefined();
  });

  it('DescribeTaskQueue, ListWorkflowExecutions and CountWorkflowExecutions', () => {
    const pollers = encoded(workflowService.DescribeTaskQueueResponse, { pollers: [{ identity: 'a' }, { identity: 'b' }] });
    expect(pollerCountOf(pollers)).toBe(2);
    expect(pollerCountOf(encoded(workflowService.DescribeTaskQueueResponse, {}))).toBe(0);
    const page = listWorkflowsResponse(
      encoded(workflowService.ListWorkflowExecutionsResponse, {
        executions: [executionInfo('sweep/x/cell/a', statuses.WORKFLOW_EXECUTION_STATUS_FAILED), executionInfo('sweep/x/cell/b', statuses.WORKFLOW_EXECUTION_STATUS_COMPLETED)],
        nextPageToken: Uint8Array.from([1, 2, 3]),
      }),
    );
    expect(page.executions.map((execution) => [execution.workflowId, execution.status, [...execution.searchAttributes.keys()].sort()])).toEqual([
      ['sweep/x/cell/a', 'FAILED', ['Stage', 'SweepId']],
      ['sweep/x/cell/b', 'COMPLETED', ['Stage', 'SweepId']],
    ]);
    expect([...page.nextPageToken]).toEqual([1, 2, 3]);
    expect(countWorkflowsResponse(encoded(workflowService.CountWorkflowExecutionsResponse, { count: 12345 }))).toBe(12345);
  });
});

describe('payloads', () => {
  const keys = { current: 'k2', keys: { k2: newKey(), k1: newKey() } };

  it('reads json/plain, binary/null and binary/plain as the SDK writes them', async () => {
    const reader = new PayloadReader({});
    expect(await reader.value(wirePayload(defaultPayloadConverter.toPayload({ a: [1, 'b'] })))).toEqual({ a: [1, 'b'] });
    expect(await reader.value(wirePayload(defaultPayloadConverter.toPayload(undefined)))).toBeUndefined();
    expect([...((await reader.value(wirePayload(defaultPayloadConverter.toPayload(Uint8Array.from([7, 8]))))) as Uint8Array)]).toEqual([7, 8]);
    await expect(reader.value({ metadata: new Map([['encoding', Buffer.from('json/protobuf')]]), data: new Uint8Array() })).rejects.toThrow(/"json\/protobuf"/);
  });

  it('decrypts what the payload codec encrypted, with the keys from the environment; without them it says how to read it', async () => {
    const { parseKeyRing } = await import('../../src/infra/encryption/key-ring');
    const codec = new AesGcmPayloadCodec(parseKeyRing(JSON.stringify(keys), 'test keys'));
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ secret: 'canary-Aberaeron' })]);
    const withKeys = new PayloadReader({ SYNTHLAB_ENCRYPTION_KEYS: JSON.stringify(keys) });
    expect(await withKeys.value(wirePayload(encrypted!))).toEqual({ secret: 'canary-Aberaeron' });
    await expect(new PayloadReader({ SYNTHLAB_ENCRYPTION_KEYS_FILE: '' }).value(wirePayload(encrypted!))).rejects.toThrow(
      /a payload is encrypted \(key id "k2"\) and encryption is off here: set SYNTHLAB_ENCRYPTION_KEYS_FILE/,
    );
    const otherKeys = { current: 'k2', keys: { k2: newKey() } };
    await expect(new PayloadReader({ SYNTHLAB_ENCRYPTION_KEYS: JSON.stringify(otherKeys) }).value(wirePayload(encrypted!))).rejects.toThrow(/failed authentication/);
  });
});
