import proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.IHistory;
const EventType = proto.temporal.api.enums.v1.EventType;

/** What one sweep run's history shows about when it saw its limit and what it started after. */
export interface LimitCrossing {
  /** Event id of the first workflow task whose start reported the history at or over the limit. */
  crossedAtEventId: number | undefined;
  /** Children the run started after that workflow task began: a sweep that respects its limit starts none. */
  childrenStartedAfter: number;
  /** Children started but not yet closed when the limit was seen: the drain the run still had to wait for. */
  childrenInFlightAtCrossing: number;
}

/**
 * Reads a run's history the way the workflow saw it: each workflow task's started event carries the
 * history length (its event id) and size (`historySizeBytes`) that `workflowInfo()` reports.
 */
export function limitCrossing(history: History, limit: { events?: number; bytes?: number }): LimitCrossing {
  let crossedAtEventId: number | undefined;
  let childrenStartedAfter = 0;
  let open = 0;
  let childrenInFlightAtCrossing = 0;
  for (const event of history.events ?? []) {
    const id = Number(event.eventId);
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
        const bytes = Number(event.workflowTaskStartedEventAttributes?.historySizeBytes ?? 0);
        const over = (limit.events !== undefined && id >= limit.events) || (limit.bytes !== undefined && bytes >= limit.bytes);
        if (over && crossedAtEventId === undefined) {
          crossedAtEventId = id;
          childrenInFlightAtCrossing = open;
        }
        break;
      }
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        open += 1;
        if (crossedAtEventId !== undefined) childrenStartedAfter += 1;
        break;
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
        open -= 1;
        break;
      default:
        break;
    }
  }
  return { crossedAtEventId, childrenStartedAfter, childrenInFlightAtCrossing };
}
