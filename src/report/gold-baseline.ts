/**
 * The gold baseline: cells trained on the same number of real examples. The plan marks them
 * `kind: 'gold'`; the report recognises them by that alone. Pure.
 */
import type { CellResult } from '../artifacts/results';
import { compareText } from '../shared/compare';

export function isGoldBaseline(cell: Pick<CellResult, 'kind'>): boolean {
  return cell.kind === 'gold';
}

/** Strategies by name, the gold baseline after all of them. */
export function compareStrategies(left: Pick<CellResult, 'kind' | 'strategy'>, right: Pick<CellResult, 'kind' | 'strategy'>): number {
  return Number(isGoldBaseline(left)) - Number(isGoldBaseline(right)) || compareText(left.strategy, right.strategy);
}
