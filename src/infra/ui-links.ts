/** Links into the Temporal Web UI: one workflow, or the workflow list filtered by a visibility query. */

export function workflowUiUrl(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

export function workflowSearchUiUrl(uiUrl: string, namespace: string, query: string): string {
  return `${uiUrl}/namespaces/${namespace}/workflows?query=${encodeURIComponent(query)}`;
}
