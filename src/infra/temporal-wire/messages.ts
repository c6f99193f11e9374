/**
 * The WorkflowService requests `sweep status` sends and the parts of the responses it reads, as
 * protobuf bytes (protobuf.ts). Field numbers are those of temporalio/api
 * (`temporal/api/workflowservice/v1/request_response.proto` and the messages it uses);
 * tests/unit/temporal-wire.test.ts checks each against the SDK's own descriptors.
 */
import { payloadFromProto, type Payload } from './payloads';
import { ProtoReader, ProtoWriter } from './protobuf';

/** `temporal.api.enums.v1.WorkflowExecutionStatus`, named as the SDK names them (`description.status.name`). */
const STATUS_NAMES = ['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT', 'PAUSED'] as const;
export type WorkflowStatusName = (typeof STATUS_NAMES)[number] | 'UNKNOWN';

/** `HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT`. */
const CLOSE_EVENT_FILTER = 2;
/** `QueryRejectCondition.QUERY_REJECT_CONDITION_NONE`. */
const QUERY_REJECT_NONE = 1;
/** `TaskQueueKind.TASK_QUEUE_KIND_NORMAL`. */
const TASK_QUEUE_KIND_NORMAL = 1;
/** `TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW`. */
export const WORKFLOW_TASK_QUEUE_TYPE = 1;

export interface WireExecution {
  workflowId: string;
  runId: string;
  type: string;
  status: WorkflowStatusName;
  startTime: Date | undefined;
  closeTime: Date | undefined;
  taskQueue: string;
  /** Search attributes as the server holds them: encoded payloads by name. */
  searchAttributes: Map<string, Payload>;
}

/** A closed run's close event: the result when it completed. */
export type WireCloseEvent = { completed: true; result: Payload[] } | { completed: false };

const EMPTY = new ProtoReader(new Uint8Array());

/** `google.protobuf.Timestamp`. */
function timestampOf(reader: ProtoReader | undefined): Date | undefined {
  return reader ? new Date(reader.int(1) * 1000 + Math.floor(reader.int(2) / 1e6)) : undefined;
}

/** `temporal.api.workflow.v1.WorkflowExecutionInfo`. */
function executionOf(info: ProtoReader): WireExecution {
  const execution = info.message(1);
  return {
    workflowId: execution?.string(1) ?? '',
    runId: execution?.string(2) ?? '',
    type: info.message(2)?.string(1) ?? '',
    startTime: timestampOf(info.message(3)),
    closeTime: timestampOf(info.message(4)),
    status: STATUS_NAMES[info.int(5)] ?? 'UNKNOWN',
    // SearchAttributes.indexed_fields: map<string, Payload>.
    searchAttributes: info.message(11)?.map(1, (entry) => payloadFromProto(entry.message(2) ?? EMPTY)) ?? new Map(),
    taskQueue: info.string(13),
  };
}

/** `temporal.api.common.v1.WorkflowExecution`. */
function execution(workflowId: string, runId?: string): ProtoWriter {
  return new ProtoWriter().string(1, workflowId).string(2, runId);
}

export function describeWorkflowRequest(namespace: string, workflowId: string, runId?: string): Uint8Array {
  return new ProtoWriter().string(1, namespace).message(2, execution(workflowId, runId)).finish();
}

export function describeWorkflowResponse(bytes: Uint8Array): WireExecution {
  return executionOf(new ProtoReader(bytes).message(2) ?? EMPTY);
}

export function closeEventRequest(namespace: string, workflowId: string, runId: string): Uint8Array {
  return new ProtoWriter().string(1, namespace).message(2, execution(workflowId, runId)).int(6, CLOSE_EVENT_FILTER).finish();
}

export function closeEventResponse(bytes: Uint8Array): WireCloseEvent {
  // history.events[last]; HistoryEvent field 7 is workflow_execution_completed_event_attributes, whose field 1 is the result.
  const event = new ProtoReader(bytes).message(1)?.messages(1).at(-1);
  const completed = event?.message(7);
  return completed ? { completed: true, result: completed.message(1)?.messages(1).map(payloadFromProto) ?? [] } : { completed: false };
}

export function queryWorkflowRequest(namespace: string, workflowId: string, queryType: string): Uint8Array {
  return new ProtoWriter()
    .string(1, namespace)
    .message(2, execution(workflowId))
    .message(3, new ProtoWriter().string(1, queryType).message(2, new ProtoWriter()))
    .int(4, QUERY_REJECT_NONE)
    .finish();
}

/** The query's result payloads; undefined when the server rejected the query. */
export function queryWorkflowResponse(bytes: Uint8Array): Payload[] | undefined {
  const response = new ProtoReader(bytes);
  if (response.has(2)) return undefined;
  return response.message(1)?.messages(1).map(payloadFromProto) ?? [];
}

export function describeTaskQueueRequest(namespace: string, taskQueue: string, taskQueueType: number): Uint8Array {
  return new ProtoWriter()
    .string(1, namespace)
    .message(2, new ProtoWriter().string(1, taskQueue).int(2, TASK_QUEUE_KIND_NORMAL))
    .int(3, taskQueueType)
    .finish();
}

/** How many pollers DescribeTaskQueue lists. */
export function pollerCountOf(bytes: Uint8Array): number {
  return new ProtoReader(bytes).messages(1).length;
}

export function listWorkflowsRequest(namespace: string, query: string, pageSize: number, pageToken?: Uint8Array): Uint8Array {
  return new ProtoWriter().string(1, namespace).int(2, pageSize).bytes(3, pageToken).string(4, query).finish();
}

export function listWorkflowsResponse(bytes: Uint8Array): { executions: WireExecution[]; nextPageToken: Uint8Array } {
  const response = new ProtoReader(bytes);
  return { executions: response.messages(1).map(executionOf), nextPageToken: response.bytes(2) };
}

export function countWorkflowsRequest(namespace: string, query: string): Uint8Array {
  return new ProtoWriter().string(1, namespace).string(2, query).finish();
}

export function countWorkflowsResponse(bytes: Uint8Array): number {
  return new ProtoReader(bytes).int(1);
}
