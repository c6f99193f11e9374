/**
 * Seeded spherical k-means with k-means++ seeding, on L2-normalised vectors: the distance is the
 * Euclidean one between unit vectors (sqrt(2 - 2 cos)), and each centroid is its members' mean
 * scaled back to unit length, so "nearest centroid" means "highest cosine".
 *
 * Pure and deterministic: randomness comes only from SeededRandom(seed), and the result depends on
 * the order of `rows` (callers pass them in id order). Linear in the rows per iteration; the
 * triangle inequality skips most distance computations: Elkan's bounds (an upper bound on each
 * row's distance to its centroid, a lower bound per row and centroid) in the iterations, the same
 * bounds while seeding. Elkan rather than Hamerly's single lower bound, because in 384 dimensions
 * distances crowd together and one bound for all other centroids skips almost nothing.
 * Equal distances go to the lower cluster index.
 */
import { SeededRandom, type Seed } from '../../data/seeded-random';

export interface KMeansOptions {
  clusters: number;
  seed: Seed;
  /** Lloyd iterations at most (it stops earlier once no row changes cluster). */
  maxIterations?: number;
}

export interface KMeansResult {
  /** Per position in `rows`, its cluster (0..clusters-1). */
  assignments: Int32Array;
  /** clusters x dimension, unit length (a cluster that lost every member keeps its last centroid). */
  centroids: Float64Array;
  iterations: number;
}

export const DEFAULT_MAX_ITERATIONS = 30;

function dotWithRow(vectors: Float32Array, offset: number, centroids: Float64Array, centroidOffset: number, dimension: number): number {
  let sum = 0;
  for (let axis = 0; axis < dimension; axis += 1) sum += (vectors[offset + axis] as number) * (centroids[centroidOffset + axis] as number);
  return sum;
}

/** Euclidean distance between unit vectors with this dot product. */
function unitDistance(dot: number): number {
  return Math.sqrt(Math.max(0, 2 - 2 * dot));
}

/**
 * Clusters `rows` (indices of vectors of `dimension` values in `vectors`, each of unit length)
 * into min(clusters, rows.length) clusters.
 */
export function kMeans(vectors: Float32Array, dimension: number, rows: readonly number[], options: KMeansOptions): KMeansResult {
  const count = rows.length;
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (!Number.isInteger(options.clusters) || options.clusters < 1) throw new Error(`k-means needs a positive number of clusters, got ${options.clusters}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new Error(`k-means needs at least one iteration, got ${maxIterations}`);
  const clusters = Math.min(options.clusters, count);
  const assignments = new Int32Array(count);
  if (count === 0) return { assignments, centroids: new Float64Array(0), iterations: 0 };
  const offsets = Int32Array.from(rows, (row) => row * dimension);
  // Seeding leaves every row's nearest seed and its distance (the first assignment) and a lower
  // bound on its distance to every seed, without another pass.
  const upper = new Float64Array(count);
  const lower = new Float64Array(count * clusters);
  const centroids = seedCentroids(vectors, dimension, offsets, clusters, new SeededRandom(options.seed), { assignments, upper, lower });
  const sums = new Float64Array(clusters * dimension);
  const sizes = new Int32Array(clusters);
  for (let position = 0; position < count; position += 1) addRow(sums, sizes, vectors, offsets[position] as number, assignments[position] as number, dimension, 1);

  const halfGaps = new Float64Array(clusters * clusters);
  const nearestHalfGap = new Float64Array(clusters);
  const moved = new Float64Array(clusters);
  const candidates = new Int32Array(clusters);
  const dots = new Float64Array(clusters);
  let iterations = 0;
  for (;;) {
    iterations += 1;
    updateCentroids(centroids, sums, sizes, clusters, dimension, moved);
    for (let position = 0; position < count; position += 1) {
      upper[position] = (upper[position] as number) + (moved[assignments[position] as number] as number);
      const start = position * clusters;
      for (let cluster = 0; cluster < clusters; cluster += 1) {
        lower[start + cluster] = Math.max(0, (lower[start + cluster] as number) - (moved[cluster] as number));
      }
    }
    if (iterations >= maxIterations) break;
    centroidHalfGaps(centroids, clusters, dimension, halfGaps, nearestHalfGap);

    let changed = 0;
    for (let position = 0; position < count; position += 1) {
      const was = assignments[position] as number;
      if ((upper[position] as number) <= (nearestHalfGap[was] as number)) continue;
      const offset = offsets[position] as number;
      const start = position * clusters;
      const gapsFrom = was * clusters;
      // The clusters the bounds cannot rule out, first with the loose upper bound, then with the exact distance.
      let bound = upper[position] as number;
      let open = 0;
      for (let cluster = 0; cluster < clusters; cluster += 1) {
        if (cluster !== was && bound > (lower[start + cluster] as number) && bound > (halfGaps[gapsFrom + cluster] as number)) open += 1;
      }
      if (open === 0) continue;
      bound = unitDistance(dotWithRow(vectors, offset, centroids, was * dimension, dimension));
      lower[start + was] = bound;
      open = 0;
      for (let cluster = 0; cluster < clusters; cluster += 1) {
        if (cluster !== was && bound > (lower[start + cluster] as number) && bound > (halfGaps[gapsFrom + cluster] as number)) {
          candidates[open] = cluster;
          open += 1;
        }
      }
      rowDotCentroids(vectors, offset, centroids, candidates, open, dimension, dots);
      let assigned = was;
      for (let index = 0; index < open; index += 1) {
        const cluster = candidates[index] as number;
        const distance = unitDistance(dots[index] as number);
        lower[start + cluster] = distance;
        if (distance < bound || (distance === bound && cluster < assigned)) {
          assigned = cluster;
          bound = distance;
        }
      }
      upper[position] = bound;
      if (assigned !== was) {
        assignments[position] = assigned;
        changed += 1;
        addRow(sums, sizes, vectors, offset, was, dimension, -1);
        addRow(sums, sizes, vectors, offset, assigned, dimension, 1);
      }
    }
    if (changed === 0) break;
  }
  return { assignments, centroids, iterations };
}

/**
 * k-means++: the first centre uniformly, each next one with probability proportional to its squared
 * distance from the nearest chosen centre. Fills `nearest` with each row's nearest centre, its
 * distance, and a lower bound on its distance to every centre (rows x clusters).
 */
function seedCentroids(
  vectors: Float32Array,
  dimension: number,
  offsets: Int32Array,
  clusters: number,
  random: SeededRandom,
  nearest: { assignments: Int32Array; upper: Float64Array; lower: Float64Array },
): Float64Array {
  const count = offsets.length;
  const centroids = new Float64Array(clusters * dimension);
  const { assignments: nearestCentre, upper: nearestDistance, lower } = nearest;
  nearestDistance.fill(Number.POSITIVE_INFINITY);
  nearestCentre.fill(-1);
  const chosen = new Uint8Array(count);
  const centreGap = new Float64Array(clusters);
  const toCompute = new Int32Array(count);
  const distances = new Float64Array(count);
  for (let centre = 0; centre < clusters; centre += 1) {
    let pick: number;
    if (centre === 0) pick = random.nextInt(count);
    else {
      let total = 0;
      for (let position = 0; position < count; position += 1) total += (nearestDistance[position] as number) ** 2;
      if (total > 0) {
        let target = random.next() * total;
        pick = -1;
        for (let position = 0; position < count; position += 1) {
          const weight = (nearestDistance[position] as number) ** 2;
          if (weight === 0) continue;
          pick = position;
          target -= weight;
          if (target < 0) break;
        }
      } else {
        // Every row sits on a centre already (fewer distinct vectors than clusters): any row not yet chosen.
        const free: number[] = [];
        for (let position = 0; position < count; position += 1) if (chosen[position] === 0) free.push(position);
        pick = free[random.nextInt(free.length)] as number;
      }
    }
    chosen[pick] = 1;
    const pickOffset = offsets[pick] as number;
    const centreOffset = centre * dimension;
    for (let axis = 0; axis < dimension; axis += 1) centroids[centreOffset + axis] = vectors[pickOffset + axis] as number;
    normalise(centroids, centreOffset, dimension);
    for (let other = 0; other < centre; other += 1) {
      centreGap[other] = unitDistance(dotWithRow(vectors, pickOffset, centroids, other * dimension, dimension));
    }
    let computeCount = 0;
    for (let position = 0; position < count; position += 1) {
      const current = nearestDistance[position] as number;
      const nearestSoFar = nearestCentre[position] as number;
      // The new centre is at least gap - current away, so it cannot be nearer when the gap is at least twice the distance.
      if (nearestSoFar >= 0 && (centreGap[nearestSoFar] as number) >= 2 * current) {
        lower[position * clusters + centre] = (centreGap[nearestSoFar] as number) - current;
      } else {
        toCompute[computeCount] = position;
        computeCount += 1;
      }
    }
    rowsDotCentroid(vectors, offsets, toCompute, computeCount, centroids, centreOffset, dimension, distances);
    for (let index = 0; index < computeCount; index += 1) {
      const position = toCompute[index] as number;
      const distance = unitDistance(distances[index] as number);
      lower[position * clusters + centre] = distance;
      if (distance < (nearestDistance[position] as number)) {
        nearestDistance[position] = distance;
        nearestCentre[position] = centre;
      }
    }
  }
  return centroids;
}

/** Dot products of the listed rows with one centroid, four rows at a time (each centroid value is loaded once per four rows). */
function rowsDotCentroid(
  vectors: Float32Array,
  offsets: Int32Array,
  positions: Int32Array,
  count: number,
  centroids: Float64Array,
  centroidOffset: number,
  dimension: number,
  out: Float64Array,
): void {
  let index = 0;
  for (; index + 3 < count; index += 4) {
    const first = offsets[positions[index] as number] as number;
    const second = offsets[positions[index + 1] as number] as number;
    const third = offsets[positions[index + 2] as number] as number;
    const fourth = offsets[positions[index + 3] as number] as number;
    let sum0 = 0;
    let sum1 = 0;
    let sum2 = 0;
    let sum3 = 0;
    for (let axis = 0; axis < dimension; axis += 1) {
      const value = centroids[centroidOffset + axis] as number;
      sum0 += (vectors[first + axis] as number) * value;
      sum1 += (vectors[second + axis] as number) * value;
      sum2 += (vectors[third + axis] as number) * value;
      sum3 += (vectors[fourth + axis] as number) * value;
    }
    out[index] = sum0;
    out[index + 1] = sum1;
    out[index + 2] = sum2;
    out[index + 3] = sum3;
  }
  for (; index < count; index += 1) out[index] = dotWithRow(vectors, offsets[positions[index] as number] as number, centroids, centroidOffset, dimension);
}

/** Dot products of one row with the listed centroids, four at a time (each row value is loaded once per four). */
function rowDotCentroids(
  vectors: Float32Array,
  offset: number,
  centroids: Float64Array,
  clusters: Int32Array,
  count: number,
  dimension: number,
  out: Float64Array,
): void {
  let index = 0;
  for (; index + 3 < count; index += 4) {
    const first = (clusters[index] as number) * dimension;
    const second = (clusters[index + 1] as number) * dimension;
    const third = (clusters[index + 2] as number) * dimension;
    const fourth = (clusters[index + 3] as number) * dimension;
    let sum0 = 0;
    let sum1 = 0;
    let sum2 = 0;
    let sum3 = 0;
    for (let axis = 0; axis < dimension; axis += 1) {
      const value = vectors[offset + axis] as number;
      sum0 += value * (centroids[first + axis] as number);
      sum1 += value * (centroids[second + axis] as number);
      sum2 += value * (centroids[third + axis] as number);
      sum3 += value * (centroids[fourth + axis] as number);
    }
    out[index] = sum0;
    out[index + 1] = sum1;
    out[index + 2] = sum2;
    out[index + 3] = sum3;
  }
  for (; index < count; index += 1) out[index] = dotWithRow(vectors, offset, centroids, (clusters[index] as number) * dimension, dimension);
}

function normalise(values: Float64Array, offset: number, dimension: number): boolean {
  let squared = 0;
  for (let axis = 0; axis < dimension; axis += 1) squared += (values[offset + axis] as number) ** 2;
  if (!(squared > 0)) return false;
  const scale = 1 / Math.sqrt(squared);
  for (let axis = 0; axis < dimension; axis += 1) values[offset + axis] = (values[offset + axis] as number) * scale;
  return true;
}

function addRow(sums: Float64Array, sizes: Int32Array, vectors: Float32Array, offset: number, cluster: number, dimension: number, sign: 1 | -1): void {
  const start = cluster * dimension;
  for (let axis = 0; axis < dimension; axis += 1) sums[start + axis] = (sums[start + axis] as number) + sign * (vectors[offset + axis] as number);
  sizes[cluster] = (sizes[cluster] as number) + sign;
}

/** New centroids from the sums; `moved` gets how far each one moved. A cluster without members (or a zero mean) stays put. */
function updateCentroids(centroids: Float64Array, sums: Float64Array, sizes: Int32Array, clusters: number, dimension: number, moved: Float64Array): void {
  const next = new Float64Array(dimension);
  for (let cluster = 0; cluster < clusters; cluster += 1) {
    moved[cluster] = 0;
    if ((sizes[cluster] as number) === 0) continue;
    const start = cluster * dimension;
    for (let axis = 0; axis < dimension; axis += 1) next[axis] = sums[start + axis] as number;
    if (!normalise(next, 0, dimension)) continue;
    let dot = 0;
    for (let axis = 0; axis < dimension; axis += 1) dot += (next[axis] as number) * (centroids[start + axis] as number);
    moved[cluster] = unitDistance(dot);
    centroids.set(next, start);
  }
}

/**
 * Half the distance between every two centroids, and from each to its nearest other: a row nearer
 * than that to its own centroid cannot be nearer to another.
 */
function centroidHalfGaps(centroids: Float64Array, clusters: number, dimension: number, halfGaps: Float64Array, nearestHalfGap: Float64Array): void {
  nearestHalfGap.fill(Number.POSITIVE_INFINITY);
  for (let left = 0; left < clusters; left += 1) {
    halfGaps[left * clusters + left] = 0;
    for (let right = left + 1; right < clusters; right += 1) {
      let dot = 0;
      for (let axis = 0; axis < dimension; axis += 1) dot += (centroids[left * dimension + axis] as number) * (centroids[right * dimension + axis] as number);
      const half = unitDistance(dot) / 2;
      halfGaps[left * clusters + right] = half;
      halfGaps[right * clusters + left] = half;
      if (half < (nearestHalfGap[left] as number)) nearestHalfGap[left] = half;
      if (half < (nearestHalfGap[right] as number)) nearestHalfGap[right] = half;
    }
  }
}
