/**
 * `div`: per prompt label, seeded k-means++ on the rows' embeddings with min(clustersPerLabel, n)
 * clusters, then round-robin over the clusters in cluster order, each turn taking the cluster's
 * most probable remaining row (the teacher's best-checkpoint probability of the prompt's label;
 * without a teacher, the row nearest the centroid), until k rows are taken or none is left.
 * Equal scores go by id.
 */
import { kMeans } from './kmeans';
import { highestScoring } from './groups';

export interface DiverseInput {
  /** The label's rows, in id order. */
  rows: readonly number[];
  label: number;
  labelCount: number;
  embeddings: Float32Array;
  dimension: number;
  best?: Float32Array;
  perLabel: number;
  clustersPerLabel: number;
  seed: string;
}

export function selectDiverse(input: DiverseInput): number[] {
  const { rows, dimension, embeddings, best, label, labelCount } = input;
  if (rows.length === 0 || input.perLabel === 0) return [];
  const { assignments, centroids } = kMeans(embeddings, dimension, rows, { clusters: input.clustersPerLabel, seed: input.seed });
  const clusterCount = centroids.length / dimension;
  const members: number[][] = Array.from({ length: clusterCount }, () => []);
  rows.forEach((row, position) => members[assignments[position] as number]?.push(row));
  const ranked = members.map((clusterRows, cluster) => {
    const score = best
      ? (row: number) => best[row * labelCount + label] as number
      : (row: number) => {
          let dot = 0;
          for (let axis = 0; axis < dimension; axis += 1) dot += (embeddings[row * dimension + axis] as number) * (centroids[cluster * dimension + axis] as number);
          return dot;
        };
    // Members keep the id order of `rows`, which breaks equal scores.
    return highestScoring(clusterRows, score, Math.min(clusterRows.length, input.perLabel));
  });
  const selected: number[] = [];
  for (let turn = 0; selected.length < input.perLabel; turn += 1) {
    let tookAny = false;
    for (const clusterRows of ranked) {
      if (turn >= clusterRows.length) continue;
      selected.push(clusterRows[turn] as number);
      tookAny = true;
      if (selected.length === input.perLabel) break;
    }
    if (!tookAny) break;
  }
  return selected;
}
