/**
 * Workflow ids, built from business keys so that a rerun finds the same workflow:
 * `sweep/<name>`, its data products `sweep/<name>/data/<product key>` and its cells
 * `sweep/<name>/cell/<cell key>`. Pure: the sweep workflow builds its children's ids with these.
 */

const SWEEP_PREFIX = 'sweep/';

export function sweepWorkflowId(name: string): string {
  return `${SWEEP_PREFIX}${name}`;
}

/** `sweep/demo` or `demo` → the sweep's workflow id and its plain name. */
export function parseSweepReference(reference: string): { sweepId: string; name: string } {
  const name = reference.startsWith(SWEEP_PREFIX) ? reference.slice(SWEEP_PREFIX.length) : reference;
  if (name.length === 0) throw new Error('a sweep name is needed, e.g. `demo` or `sweep/demo`');
  return { sweepId: sweepWorkflowId(name), name };
}

export function dataProductWorkflowId(sweepId: string, productKey: string): string {
  return `${sweepId}/data/${productKey}`;
}

export function cellWorkflowId(sweepId: string, cellKey: string): string {
  return `${sweepId}/cell/${cellKey}`;
}

/** Study D's teachers: `sweep/<name>/teacher/<teacher key>`. */
export function teacherWorkflowId(sweepId: string, teacherKey: string): string {
  return `${sweepId}/teacher/${teacherKey}`;
}
