/**
 * Class balance of a selection: rows per label and the normalised entropy of that distribution
 * (1 = every label equally often, 0 = one label only). With a single label the ratio is 1; an
 * empty selection has none, and its ratio is 0.
 */
export function classBalance(labelsOfSelected: readonly number[], labelCount: number): { counts: number[]; entropyRatio: number } {
  if (!Number.isInteger(labelCount) || labelCount <= 0) throw new Error(`classBalance needs a positive label count, got ${labelCount}`);
  const counts = new Array<number>(labelCount).fill(0);
  for (const label of labelsOfSelected) {
    if (!Number.isInteger(label) || label < 0 || label >= labelCount) throw new Error(`classBalance: label ${label} is not in 0..${labelCount - 1}`);
    counts[label] = (counts[label] as number) + 1;
  }
  const total = labelsOfSelected.length;
  if (total === 0) return { counts, entropyRatio: 0 };
  if (labelCount === 1) return { counts, entropyRatio: 1 };
  let entropy = 0;
  for (const count of counts) {
    if (count > 0) entropy -= (count / total) * Math.log(count / total);
  }
  return { counts, entropyRatio: entropy / Math.log(labelCount) };
}
