/** Running a `synthlab sweep …` command with a client to the configured server. */
import { WorkflowNotFoundError } from '@temporalio/client';
import { connectClient, type ConnectedClient } from '../infra/client';
import { parseSweepReference } from '../shared/workflow-ids';
import { noWorkflowMessage } from './no-workflow';

/** Runs a command with a client; a workflow id that does not exist is a clear error and exit code 1. */
export async function withClient(work: (connected: ConnectedClient) => Promise<number>): Promise<number> {
  const connected = await connectClient();
  try {
    return await work(connected);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    process.stderr.write(noWorkflowMessage(error.workflowId, connected.settings.address));
    return 1;
  } finally {
    await connected.close();
  }
}

/** The sweep workflow id of a sweep name (`demo`) or id (`sweep/demo`). */
export const idOf = (sweep: string) => parseSweepReference(sweep).sweepId;
