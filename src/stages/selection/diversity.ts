/**
 * Diversity score of a selected set: the mean pairwise cosine distance of its embeddings, over
 * all unordered pairs. With unit vectors u_i and their sum S, the sum over ordered pairs i != j of
 * u_i . u_j is |S|^2 - n, so the mean is found in O(n d) instead of O(n^2 d). Each vector is
 * normalised here, so slightly unnormalised input (float32 rounding) does not bias the score.
 * Fewer than two rows have no pairs: the score is 0.
 */
export function diversityScore(embeddings: Float32Array, dimension: number, indices: readonly number[]): number {
  if (!Number.isInteger(dimension) || dimension <= 0 || embeddings.length % dimension !== 0) {
    throw new Error(`diversityScore: ${embeddings.length} embedding values do not split into vectors of dimension ${dimension}`);
  }
  const rows = embeddings.length / dimension;
  const count = indices.length;
  if (count < 2) return 0;
  const sum = new Float64Array(dimension);
  for (const row of indices) {
    if (!Number.isInteger(row) || row < 0 || row >= rows) throw new Error(`diversityScore: row ${row} is not in 0..${rows - 1}`);
    const offset = row * dimension;
    let squaredNorm = 0;
    for (let axis = 0; axis < dimension; axis += 1) {
      const value = embeddings[offset + axis] as number;
      squaredNorm += value * value;
    }
    if (!(squaredNorm > 0) || !Number.isFinite(squaredNorm)) throw new Error(`diversityScore: row ${row} has a zero or non-finite embedding`);
    const scale = 1 / Math.sqrt(squaredNorm);
    for (let axis = 0; axis < dimension; axis += 1) sum[axis] = (sum[axis] as number) + (embeddings[offset + axis] as number) * scale;
  }
  let sumSquared = 0;
  for (let axis = 0; axis < dimension; axis += 1) sumSquared += (sum[axis] as number) * (sum[axis] as number);
  const meanSimilarity = (sumSquared - count) / (count * (count - 1));
  return 1 - meanSimilarity;
}
