/**
 * The Temporal WorkflowService calls `sweep status` makes, over grpc-unary.ts with the messages of
 * messages.ts, instead of the SDK's client: loading `@temporalio/client` (gRPC-js and the protobuf
 * root of the whole Temporal API) took longer than everything else a status call does.
 */
import { GrpcCallError, GrpcStatus, GrpcUnaryClient, type GrpcTarget } from './grpc-unary';
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
  type WireCloseEvent,
  type WireExecution,
} from './messages';
import type { Payload } from './payloads';

export { WORKFLOW_TASK_QUEUE_TYPE, type WireCloseEvent, type WireExecution } from './messages';

const SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';

/** A workflow (or run) the server does not know. */
export class WireWorkflowNotFoundError extends Error {
  override readonly name = 'WireWorkflowNotFoundError';
  constructor(
    readonly workflowId: string,
    details: string,
  ) {
    super(`workflow ${workflowId} not found: ${details}`);
  }
}

export class WorkflowServiceWire {
  private readonly grpc: GrpcUnaryClient;

  constructor(
    target: GrpcTarget,
    readonly namespace: string,
    /** The longest one call may take (a query gets its own). */
    private readonly deadlineMs = 10_000,
  ) {
    this.grpc = new GrpcUnaryClient(SERVICE, target);
  }

  /** One call in the namespace; NOT_FOUND on a call about `workflowId` is a WireWorkflowNotFoundError. */
  private async call(method: string, request: Uint8Array, about?: string, deadlineMs = this.deadlineMs): Promise<Uint8Array> {
    try {
      return await this.grpc.call(method, request, { deadlineMs, headers: { 'temporal-namespace': this.namespace } });
    } catch (error) {
      if (about !== undefined && error instanceof GrpcCallError && error.code === GrpcStatus.NOT_FOUND) throw new WireWorkflowNotFoundError(about, error.details);
      throw error;
    }
  }

  /** The latest run (or `runId`). */
  async describe(workflowId: string, runId?: string): Promise<WireExecution> {
    return describeWorkflowResponse(await this.call('DescribeWorkflowExecution', describeWorkflowRequest(this.namespace, workflowId, runId), workflowId));
  }

  /** A closed run's close event (its history filtered to that one event). */
  async closeEvent(workflowId: string, runId: string): Promise<WireCloseEvent> {
    return closeEventResponse(await this.call('GetWorkflowExecutionHistory', closeEventRequest(this.namespace, workflowId, runId), workflowId));
  }

  /** A query's result payloads; the worker that polls the workflow's task queue answers it. */
  async query(workflowId: string, queryType: string, deadlineMs: number): Promise<Payload[]> {
    const result = queryWorkflowResponse(await this.call('QueryWorkflow', queryWorkflowRequest(this.namespace, workflowId, queryType), workflowId, deadlineMs));
    if (!result) throw new Error(`the server rejected the query ${queryType} on ${workflowId}`);
    return result;
  }

  /** How many workers poll a task queue. */
  async pollerCount(taskQueue: string, taskQueueType: number): Promise<number> {
    return pollerCountOf(await this.call('DescribeTaskQueue', describeTaskQueueRequest(this.namespace, taskQueue, taskQueueType)));
  }

  /** Every execution a visibility query matches, page by page. */
  async *list(query: string, pageSize = 1000): AsyncGenerator<WireExecution> {
    let pageToken: Uint8Array | undefined;
    do {
      const page = listWorkflowsResponse(await this.call('ListWorkflowExecutions', listWorkflowsRequest(this.namespace, query, pageSize, pageToken)));
      yield* page.executions;
      pageToken = page.nextPageToken;
    } while (pageToken.length > 0);
  }

  async count(query: string): Promise<number> {
    return countWorkflowsResponse(await this.call('CountWorkflowExecutions', countWorkflowsRequest(this.namespace, query)));
  }

  close(): Promise<void> {
    return this.grpc.close();
  }
}
