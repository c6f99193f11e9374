/** Rows grouped by the prompt's label, and the top-k of a score with ties broken by id. */
import { compareText } from '../../shared/compare';

/** For each label index, its rows (indices into the pool) sorted by id, so nothing depends on input order. */
export function rowsByLabel(ids: readonly string[], promptLabels: readonly number[], labelCount: number): number[][] {
  const groups: number[][] = Array.from({ length: labelCount }, () => []);
  for (let row = 0; row < promptLabels.length; row += 1) groups[promptLabels[row] as number]?.push(row);
  for (const group of groups) group.sort((left, right) => compareText(ids[left] as string, ids[right] as string));
  return groups;
}

/**
 * The `count` rows of `rows` with the highest score, highest first; equal scores in id order.
 * `rows` must already be in id order (rowsByLabel): the sort is stable, so ties keep it.
 */
export function highestScoring(rows: readonly number[], score: (row: number) => number, count: number): number[] {
  const scores = new Float64Array(rows.length);
  for (let position = 0; position < rows.length; position += 1) scores[position] = score(rows[position] as number);
  const order = Array.from({ length: rows.length }, (_, position) => position);
  order.sort((left, right) => (scores[right] as number) - (scores[left] as number) || left - right);
  return order.slice(0, count).map((position) => rows[position] as number);
}
