/** The message for a workflow id the server does not know (sweep commands over the SDK and `sweep status` over temporal-wire/). */
export function noWorkflowMessage(workflowId: string, address: string): string {
  return `synthlab: no workflow ${workflowId} on ${address} (sweeps are sweep/<name>, cells sweep/<name>/cell/<key>; \`synthlab sweep list\` lists the sweeps)\n`;
}
