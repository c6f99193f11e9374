/**
 * The verdict of a chaos run (pure): every cell of the undisturbed run must be completed in the
 * disturbed run (else it is lost), recorded once (one record file and one completed cell
 * workflow per key, else duplicated), with the same macro-F1 and accuracy (else it is listed
 * with both values, for the README to say why).
 */

export interface CellOutcome {
  key: string;
  macroF1: number;
  accuracy: number;
}

export interface RunObservation {
  /** One entry per record file found (a key twice means two files hold the same cell). */
  records: readonly CellOutcome[];
  /** Completed executions of each cell workflow id, by cell key (more than one: the cell ran to completion twice). */
  completedExecutions: ReadonlyMap<string, number>;
}

export interface MetricDifference {
  key: string;
  undisturbed: CellOutcome;
  disturbed: CellOutcome;
}

export interface ChaosComparison {
  cells: number;
  completed: number;
  lost: string[];
  duplicated: string[];
  metricsEqual: number;
  metricsDiffer: MetricDifference[];
}

function countBy(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

export function compareRuns(undisturbed: RunObservation, disturbed: RunObservation): ChaosComparison {
  const baseline = new Map(undisturbed.records.map((record) => [record.key, record]));
  const found = new Map(disturbed.records.map((record) => [record.key, record]));
  const recordCounts = countBy(disturbed.records.map((record) => record.key));
  const keys = [...baseline.keys()].sort();
  const lost = keys.filter((key) => !found.has(key) || (disturbed.completedExecutions.get(key) ?? 0) === 0);
  const duplicated = [...new Set([...recordCounts.keys(), ...disturbed.completedExecutions.keys()])]
    .filter((key) => (recordCounts.get(key) ?? 0) > 1 || (disturbed.completedExecutions.get(key) ?? 0) > 1)
    .sort();
  const metricsDiffer: MetricDifference[] = [];
  let metricsEqual = 0;
  for (const key of keys) {
    const before = baseline.get(key) as CellOutcome;
    const after = found.get(key);
    if (after === undefined || lost.includes(key)) continue;
    if (after.macroF1 === before.macroF1 && after.accuracy === before.accuracy) metricsEqual++;
    else metricsDiffer.push({ key, undisturbed: before, disturbed: after });
  }
  return { cells: keys.length, completed: keys.length - lost.length, lost, duplicated, metricsEqual, metricsDiffer };
}

/** The run's last line, matched mechanically. */
export function chaosLine(kills: number, comparison: ChaosComparison): string {
  return (
    `chaos: kills=${kills} cells=${comparison.cells} completed=${comparison.completed} lost=${comparison.lost.length} ` +
    `duplicated=${comparison.duplicated.length} metrics_equal=${comparison.metricsEqual}/${comparison.cells}`
  );
}
