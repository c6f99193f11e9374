/**
 * Study D's selection: k generations per prompt label by one of five methods, and the measures a
 * selection reports (diversity, class balance, agreement with the teacher). Pure, synchronous and
 * deterministic (randomness only from SeededRandom), so the select activity and the data-scale
 * bench run the same code.
 *
 * - rand: selectBalanced's seeded draw per (seed, label) — the rows today's select stage draws.
 * - top:  highest best-checkpoint probability of the prompt's label.
 * - div:  k-means clusters per label, the most probable row of each cluster in turn (diverse.ts).
 * - easy: highest cartography mean over the epoch checkpoints; amb: highest cartography std.
 * Rows are grouped by the prompt's label; equal scores go by id, so the input order never matters.
 */
import { selectBalanced } from '../select';
import { cartography } from './cartography';
import { selectDiverse } from './diverse';
import { highestScoring, rowsByLabel } from './groups';
import type { Selection, SelectionOptions, SelectionPool } from './types';
import { validateSelection } from './validate';

export { agreement } from './agreement';
export { classBalance } from './balance';
export { cartography } from './cartography';
export { diversityScore } from './diversity';
export { kMeans } from './kmeans';
export { SELECTION_METHODS, type Selection, type SelectionMethod, type SelectionOptions, type SelectionPool } from './types';

export function selectRows(pool: SelectionPool, options: SelectionOptions): Selection {
  validateSelection(pool, options);
  const { labels, ids, promptLabels } = pool;
  const { method, perLabel, seed } = options;
  const labelCount = labels.length;
  const shortfallByLabel: Record<string, number> = {};

  if (method === 'rand') {
    const items = ids.map((id, row) => ({ id, label: labels[promptLabels[row] as number] as string, row }));
    const { selected, shortfall } = selectBalanced(items, { perLabel, seed, labels });
    return { indices: selected.map((item) => item.row), shortfallByLabel: shortfall };
  }

  const groups = rowsByLabel(ids, promptLabels, labelCount);
  let statistics: { mean: Float32Array; std: Float32Array } | undefined;
  if (method === 'easy' || method === 'amb') statistics = cartography(pool.epochProbabilities ?? [], promptLabels, labelCount);
  const indices: number[] = [];
  groups.forEach((rows, label) => {
    let chosen: number[];
    switch (method) {
      case 'top': {
        const best = pool.best as Float32Array;
        chosen = highestScoring(rows, (row) => best[row * labelCount + label] as number, perLabel);
        break;
      }
      case 'easy': {
        const mean = (statistics as { mean: Float32Array }).mean;
        chosen = highestScoring(rows, (row) => mean[row] as number, perLabel);
        break;
      }
      case 'amb': {
        const std = (statistics as { std: Float32Array }).std;
        chosen = highestScoring(rows, (row) => std[row] as number, perLabel);
        break;
      }
      case 'div':
        chosen = selectDiverse({
          rows,
          label,
          labelCount,
          embeddings: pool.embeddings as Float32Array,
          dimension: pool.dimension as number,
          best: pool.best,
          perLabel,
          clustersPerLabel: options.clustersPerLabel,
          seed: `div:${seed}:${labels[label] as string}`,
        });
        break;
    }
    indices.push(...chosen);
    shortfallByLabel[labels[label] as string] = perLabel - chosen.length;
  });
  return { indices, shortfallByLabel };
}
