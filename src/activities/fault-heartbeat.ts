/**
 * While a request waits to be retried after a fault, the activity still heartbeats: retries are
 * the provider's business (src/llm/fault-retry.ts) and may outlast the heartbeat timeout, and a
 * worker that is alive must not be taken for dead. The details name the fault, so `sweep show`
 * says why a stage is slow.
 */
import type { Context } from '@temporalio/activity';
import type { RequestFault } from '../llm/types';

export function heartbeatOnFault(context: Context, progress: () => Record<string, unknown>): (fault: RequestFault) => void {
  return (fault) => context.heartbeat({ ...progress(), retrying: `${fault.type}, retry ${fault.retry} in ${fault.delayMs} ms` });
}
