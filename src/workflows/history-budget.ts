/**
 * Where a sweep run stops starting children: early enough that the children still running (at most
 * its two windows) can finish within the run's own limit, but never below half of it, so that a run
 * with a small limit and large windows still makes progress before it continues as new.
 * Pure: imported by workflow code.
 */
export function rollOverThreshold(limit: number, windowChildren: number, perChild: number): number {
  return limit - Math.min(windowChildren * perChild, Math.floor(limit / 2));
}
