import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/data/seeded-random';
import { selectBalanced } from '../../src/stages/select';
import {
  agreement,
  cartography,
  classBalance,
  diversityScore,
  kMeans,
  selectRows,
  SELECTION_METHODS,
  type SelectionOptions,
  type SelectionPool,
} from '../../src/stages/selection';

const labels = ['neg', 'neu', 'pos'];

/** A pool from rows of [id, prompt label, best-checkpoint probabilities]. */
function poolOf(rows: [string, number, number[]][], extra: Partial<SelectionPool> = {}): SelectionPool {
  return {
    ids: rows.map(([id]) => id),
    promptLabels: rows.map(([, label]) => label),
    labels,
    best: Float32Array.from(rows.flatMap(([, , probabilities]) => probabilities)),
    ...extra,
  };
}

const options = (method: SelectionOptions['method'], perLabel: number, more: Partial<SelectionOptions> = {}): SelectionOptions => ({
  method,
  perLabel,
  seed: 3,
  clustersPerLabel: 25,
  ...more,
});

function idsOf(pool: SelectionPool, indices: readonly number[]): string[] {
  return indices.map((index) => pool.ids[index] as string);
}

/** The same rows in another order (and every per-row array permuted alike). */
function permuted(pool: SelectionPool, seed: string): SelectionPool {
  const order = new SeededRandom(seed).shuffle(pool.ids.map((_, index) => index));
  const columns = pool.labels.length;
  const permuteMatrix = (values: Float32Array, width: number) => {
    const result = new Float32Array(values.length);
    order.forEach((from, to) => result.set(values.subarray(from * width, (from + 1) * width), to * width));
    return result;
  };
  return {
    ...pool,
    ids: order.map((index) => pool.ids[index] as string),
    promptLabels: order.map((index) => pool.promptLabels[index] as number),
    best: pool.best && permuteMatrix(pool.best, columns),
    epochProbabilities: pool.epochProbabilities?.map((epoch) => permuteMatrix(epoch, columns)),
    embeddings: pool.embeddings && permuteMatrix(pool.embeddings, pool.dimension as number),
  };
}

describe('selectRows: top', () => {
  const pool = poolOf([
    ['n-c', 0, [0.9, 0.05, 0.05]],
    ['n-a', 0, [0.6, 0.2, 0.2]],
    ['n-b', 0, [0.6, 0.3, 0.1]],
    ['n-d', 0, [0.1, 0.1, 0.8]],
    ['u-a', 1, [0.3, 0.4, 0.3]],
    ['p-b', 2, [0.0, 0.0, 1.0]],
    ['p-a', 2, [0.0, 0.25, 0.75]],
  ]);

  it('takes the highest probability of the prompt label, ties by id, and records classes smaller than k', () => {
    const selection = selectRows(pool, options('top', 3));
    // neg: 0.9 first, then the tie at 0.6 in id order (n-a before n-b).
    expect(idsOf(pool, selection.indices)).toEqual(['n-c', 'n-a', 'n-b', 'u-a', 'p-b', 'p-a']);
    expect(selection.shortfallByLabel).toEqual({ neg: 0, neu: 2, pos: 1 });
  });

  it('does not depend on the order of the rows', () => {
    const expected = idsOf(pool, selectRows(pool, options('top', 2)).indices);
    for (const seed of ['a', 'b', 'c']) {
      const other = permuted(pool, seed);
      expect(idsOf(other, selectRows(other, options('top', 2)).indices)).toEqual(expected);
    }
  });

  it('selects nothing for k = 0 and records no shortfall', () => {
    expect(selectRows(pool, options('top', 0))).toEqual({ indices: [], shortfallByLabel: { neg: 0, neu: 0, pos: 0 } });
  });
});

describe('selectRows: rand', () => {
  it('draws the rows selectBalanced draws for the same seed, per prompt label', () => {
    const rows: [string, number, number[]][] = Array.from({ length: 40 }, (_, index) => [`row-${index}`, index % 3, [1 / 3, 1 / 3, 1 / 3]]);
    const pool = poolOf(rows);
    const selection = selectRows(pool, options('rand', 5, { seed: 11 }));
    const expected = selectBalanced(
      rows.map(([id, label]) => ({ id, label: labels[label] as string })),
      { perLabel: 5, seed: 11, labels },
    );
    expect(idsOf(pool, selection.indices)).toEqual(expected.selected.map((item) => item.id));
    expect(selection.shortfallByLabel).toEqual({ neg: 0, neu: 0, pos: 0 });
    const other = permuted(pool, 'x');
    expect(idsOf(other, selectRows(other, options('rand', 5, { seed: 11 })).indices)).toEqual(idsOf(pool, selection.indices));
  });

  it('needs no teacher and records a shortfall', () => {
    const pool: SelectionPool = { ids: ['a', 'b'], promptLabels: [0, 0], labels };
    expect(selectRows(pool, options('rand', 3)).shortfallByLabel).toEqual({ neg: 1, neu: 3, pos: 3 });
  });
});

describe('cartography, easy and amb', () => {
  // Three epochs, four rows; the prompt label's probability per epoch is given in comments.
  const ids = ['r0', 'r1', 'r2', 'r3'];
  const promptLabels = [0, 0, 1, 1];
  const epochProbabilities = [
    Float32Array.from([0.5, 0.5, 0, /**/ 0.9, 0.1, 0, /**/ 0.2, 0.8, 0, /**/ 0.5, 0.5, 0].map((value) => value)),
    Float32Array.from([0.7, 0.3, 0, /**/ 0.9, 0.1, 0, /**/ 0.2, 0.8, 0, /**/ 0.9, 0.1, 0]),
    Float32Array.from([0.9, 0.1, 0, /**/ 0.9, 0.1, 0, /**/ 0.5, 0.5, 0, /**/ 0.1, 0.9, 0]),
  ];
  // r0: 0.5, 0.7, 0.9; r1: 0.9 x3; r2 (label 1): 0.8, 0.8, 0.5; r3 (label 1): 0.5, 0.1, 0.9

  it('gives the mean and population std of the prompt label probability, as computed by hand', () => {
    const { mean, std } = cartography(epochProbabilities, promptLabels, 3);
    const expectedMean = [0.7, 0.9, 0.7, 0.5];
    const expectedStd = [Math.sqrt(0.08 / 3), 0, Math.sqrt((0.01 + 0.01 + 0.04) / 3), Math.sqrt(0.32 / 3)];
    expectedMean.forEach((value, row) => expect(mean[row]).toBeCloseTo(value, 6));
    expectedStd.forEach((value, row) => expect(std[row]).toBeCloseTo(value, 6));
  });

  it('easy takes the highest mean, amb the highest std, per prompt label', () => {
    const pool: SelectionPool = { ids, promptLabels, labels, epochProbabilities };
    expect(idsOf(pool, selectRows(pool, options('easy', 1)).indices)).toEqual(['r1', 'r2']);
    expect(idsOf(pool, selectRows(pool, options('amb', 1)).indices)).toEqual(['r0', 'r3']);
    expect(selectRows(pool, options('amb', 1)).shortfallByLabel).toEqual({ neg: 0, neu: 0, pos: 1 });
  });

  it('breaks equal means by id', () => {
    const same = Float32Array.from([0.4, 0.6, 0, 0.4, 0.6, 0, 0.4, 0.6, 0]);
    const pool: SelectionPool = { ids: ['c', 'a', 'b'], promptLabels: [0, 0, 0], labels, epochProbabilities: [same, same] };
    expect(idsOf(pool, selectRows(pool, options('easy', 2)).indices)).toEqual(['a', 'b']);
  });
});

/** Unit vector along `axis` of `dimension`, nudged by `noise` on the next axis. */
function unit(axis: number, dimension: number, noise = 0): number[] {
  const vector = new Array<number>(dimension).fill(0);
  vector[axis] = 1;
  vector[(axis + 1) % dimension] = noise;
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

describe('selectRows: div', () => {
  const dimension = 4;
  // Label neg: five rows on one point (a tight cluster) and one far outlier (a cluster of one member).
  const rows: [string, number, number[], number[]][] = [
    ['a1', 0, [0.5, 0.25, 0.25], unit(0, dimension)],
    ['a2', 0, [0.9, 0.05, 0.05], unit(0, dimension)],
    ['a3', 0, [0.7, 0.15, 0.15], unit(0, dimension)],
    ['a4', 0, [0.7, 0.2, 0.1], unit(0, dimension)],
    ['a5', 0, [0.2, 0.4, 0.4], unit(0, dimension)],
    ['outlier', 0, [0.1, 0.45, 0.45], unit(2, dimension)],
    ['p1', 2, [0.1, 0.1, 0.8], unit(1, dimension)],
    ['p2', 2, [0.1, 0.2, 0.7], unit(3, dimension)],
  ];
  const pool = poolOf(
    rows.map(([id, label, probabilities]) => [id, label, probabilities]),
    { embeddings: Float32Array.from(rows.flatMap(([, , , embedding]) => embedding)), dimension },
  );

  it('takes the most probable row of each cluster in turn, so a cluster of one member is not crowded out', () => {
    const selection = selectRows(pool, options('div', 3, { clustersPerLabel: 2 }));
    const neg = idsOf(pool, selection.indices.slice(0, 3));
    // The outlier has the lowest probability of its label, yet is taken as its cluster's best; the
    // big cluster gives its two most probable rows (a2 0.9, then the tie at 0.7 by id: a3).
    expect([...neg].sort()).toEqual(['a2', 'a3', 'outlier']);
    expect(selectRows(pool, options('top', 3)).indices.map((index) => pool.ids[index])).not.toContain('outlier');
    expect(selection.shortfallByLabel).toEqual({ neg: 0, neu: 3, pos: 1 });
  });

  it('with k larger than a class, takes every row of it and records the shortfall; more clusters than rows is fine', () => {
    const selection = selectRows(pool, options('div', 10, { clustersPerLabel: 25 }));
    expect([...idsOf(pool, selection.indices)].sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'outlier', 'p1', 'p2']);
    expect(selection.shortfallByLabel).toEqual({ neg: 4, neu: 10, pos: 8 });
  });

  it('without a teacher, takes the rows nearest each centroid', () => {
    const noTeacher: SelectionPool = {
      ids: ['x1', 'x2', 'x3', 'y1'],
      promptLabels: [0, 0, 0, 0],
      labels,
      embeddings: Float32Array.from([...unit(0, dimension, 0.3), ...unit(0, dimension, 0.0), ...unit(0, dimension, 0.2), ...unit(2, dimension)]),
      dimension,
    };
    const selection = selectRows(noTeacher, options('div', 2, { clustersPerLabel: 2 }));
    expect([...idsOf(noTeacher, selection.indices)].sort()).toEqual(['x3', 'y1']);
  });

  it('is deterministic for a seed and does not depend on the order of the rows', () => {
    const random = new SeededRandom('div-pool');
    const size = 300;
    const wide = 8;
    const embeddings = new Float32Array(size * wide);
    for (let row = 0; row < size; row += 1) {
      const centre = row % 6;
      const vector = unit(centre, wide).map((value) => value + (random.next() - 0.5) * 0.4);
      const norm = Math.hypot(...vector);
      embeddings.set(vector.map((value) => value / norm), row * wide);
    }
    const big: SelectionPool = {
      ids: Array.from({ length: size }, (_, row) => `id-${row}`),
      promptLabels: Array.from({ length: size }, (_, row) => row % 3),
      labels,
      best: Float32Array.from({ length: size * 3 }, () => Math.round(random.next() * 8) / 8),
      embeddings,
      dimension: wide,
    };
    const first = idsOf(big, selectRows(big, options('div', 20, { clustersPerLabel: 5 })).indices);
    expect(idsOf(big, selectRows(big, options('div', 20, { clustersPerLabel: 5 })).indices)).toEqual(first);
    const other = permuted(big, 'order');
    expect(idsOf(other, selectRows(other, options('div', 20, { clustersPerLabel: 5 })).indices)).toEqual(first);
    expect(new Set(first).size).toBe(60);
  });
});

describe('selectRows: inputs', () => {
  const bare: SelectionPool = { ids: ['a'], promptLabels: [0], labels };

  it('throws naming what a method is missing', () => {
    expect(() => selectRows(bare, options('top', 1))).toThrow('method top needs teacher probabilities');
    expect(() => selectRows(bare, options('easy', 1))).toThrow('method easy needs the teacher\'s probabilities per epoch checkpoint');
    expect(() => selectRows(bare, options('amb', 1))).toThrow('method amb needs the teacher\'s probabilities per epoch checkpoint');
    expect(() => selectRows(bare, options('div', 1))).toThrow('method div needs sentence embeddings');
    expect(() => selectRows(bare, { ...options('rand', 1), method: 'topp' as never })).toThrow(
      `unknown selection method "topp"; the methods are ${SELECTION_METHODS.join(', ')}`,
    );
  });

  it('rejects arrays of the wrong size, labels out of range, repeated ids and bad k', () => {
    expect(() => selectRows({ ...bare, best: new Float32Array(2) }, options('top', 1))).toThrow(/has 2 values, expected 1 rows x 3 labels/);
    expect(() => selectRows({ ...bare, best: Float32Array.of(0.5, 0.5, Number.NaN) }, options('top', 1))).toThrow(/holds NaN at row 0, not a probability/);
    expect(() => selectRows({ ...bare, embeddings: new Float32Array(3), dimension: 4 }, options('div', 1))).toThrow(/expected 1 rows x 4 dimensions/);
    expect(() => selectRows({ ...bare, promptLabels: [3] }, options('rand', 1))).toThrow(/prompt label 3, not in 0..2/);
    expect(() => selectRows({ ids: ['a', 'a'], promptLabels: [0, 0], labels }, options('rand', 1))).toThrow(/repeats an id/);
    expect(() => selectRows(bare, options('rand', -1))).toThrow(/perLabel must be a non-negative integer/);
    expect(() => selectRows(bare, options('div', 1, { clustersPerLabel: 0 }))).toThrow(/clustersPerLabel must be a positive integer/);
  });
});

describe('kMeans', () => {
  it('converges to every row assigned its nearest centroid and finds planted clusters', () => {
    const random = new SeededRandom('kmeans');
    const dimension = 16;
    const size = 600;
    const vectors = new Float32Array(size * dimension);
    const planted: number[] = [];
    for (let row = 0; row < size; row += 1) {
      const centre = random.nextInt(4);
      planted.push(centre);
      const vector = Array.from({ length: dimension }, (_, axis) => (axis === centre * 3 ? 1 : 0) + (random.next() - 0.5) * 0.3);
      const norm = Math.hypot(...vector);
      vectors.set(vector.map((value) => value / norm), row * dimension);
    }
    const rows = Array.from({ length: size }, (_, row) => row);
    const { assignments, centroids, iterations } = kMeans(vectors, dimension, rows, { clusters: 4, seed: 1 });
    expect(iterations).toBeLessThan(30);
    for (let row = 0; row < size; row += 1) {
      const dots = [0, 1, 2, 3].map((cluster) => {
        let dot = 0;
        for (let axis = 0; axis < dimension; axis += 1) dot += (vectors[row * dimension + axis] as number) * (centroids[cluster * dimension + axis] as number);
        return dot;
      });
      expect(dots[assignments[row] as number]).toBeCloseTo(Math.max(...dots), 9);
    }
    // Each planted cluster maps to one found cluster.
    const mapping = new Map<number, number>();
    planted.forEach((centre, row) => {
      const found = assignments[row] as number;
      expect(mapping.get(centre) ?? found).toBe(found);
      mapping.set(centre, found);
    });
    expect(new Set(mapping.values()).size).toBe(4);
  });
});

describe('diversityScore', () => {
  it('equals the mean pairwise cosine distance computed over every pair', () => {
    const random = new SeededRandom('diversity');
    const dimension = 12;
    const size = 50;
    const embeddings = Float32Array.from({ length: size * dimension }, () => random.next() - 0.3);
    const indices = [0, 3, 4, 9, 17, 22, 23, 31, 40, 49];
    let sum = 0;
    let pairs = 0;
    for (let left = 0; left < indices.length; left += 1) {
      for (let right = left + 1; right < indices.length; right += 1) {
        const a = embeddings.subarray((indices[left] as number) * dimension, (indices[left] as number + 1) * dimension);
        const b = embeddings.subarray((indices[right] as number) * dimension, (indices[right] as number + 1) * dimension);
        let dot = 0;
        let normA = 0;
        let normB = 0;
        for (let axis = 0; axis < dimension; axis += 1) {
          dot += (a[axis] as number) * (b[axis] as number);
          normA += (a[axis] as number) ** 2;
          normB += (b[axis] as number) ** 2;
        }
        sum += 1 - dot / Math.sqrt(normA * normB);
        pairs += 1;
      }
    }
    expect(diversityScore(embeddings, dimension, indices)).toBeCloseTo(sum / pairs, 6);
  });

  it('is 0 for identical vectors and for fewer than two rows, 1 for orthogonal ones; rejects zero vectors', () => {
    const embeddings = Float32Array.from([...unit(0, 3), ...unit(0, 3), ...unit(1, 3), 0, 0, 0]);
    expect(diversityScore(embeddings, 3, [0, 1])).toBeCloseTo(0, 9);
    expect(diversityScore(embeddings, 3, [1, 2])).toBeCloseTo(1, 9);
    expect(diversityScore(embeddings, 3, [2])).toBe(0);
    expect(() => diversityScore(embeddings, 3, [0, 3])).toThrow(/row 3 has a zero or non-finite embedding/);
    expect(() => diversityScore(embeddings, 3, [0, 4])).toThrow(/row 4 is not in 0..3/);
  });
});

describe('classBalance', () => {
  it('counts per label and gives the normalised entropy', () => {
    expect(classBalance([0, 1, 2, 0, 1, 2], 3)).toEqual({ counts: [2, 2, 2], entropyRatio: 1 });
    expect(classBalance([1, 1, 1], 3)).toEqual({ counts: [0, 3, 0], entropyRatio: 0 });
    const skewed = classBalance([0, 0, 0, 1], 2);
    expect(skewed.counts).toEqual([3, 1]);
    expect(skewed.entropyRatio).toBeCloseTo(-(0.75 * Math.log2(0.75) + 0.25 * Math.log2(0.25)), 12);
    expect(() => classBalance([2], 2)).toThrow(/label 2 is not in 0..1/);
  });
});

describe('agreement', () => {
  it('matches a hand computation and sklearn cohen_kappa_score', () => {
    // prompt vs teacher: confusion [[3,1,0],[0,2,1],[1,0,2]]; p_o = 7/10; p_e = (4*4 + 3*3 + 3*3)/100 = 0.34;
    // kappa = (0.7 - 0.34) / 0.66. sklearn 1.7.2 cohen_kappa_score(p, t) printed 0.5454545454545454.
    const prompt = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
    const teacher = [0, 0, 1, 0, 1, 1, 2, 2, 0, 2];
    const result = agreement(prompt, teacher, labels);
    expect(result.confusion).toEqual([
      [3, 1, 0],
      [0, 2, 1],
      [1, 0, 2],
    ]);
    expect(result.overall).toBeCloseTo(0.7, 12);
    expect(result.byLabel).toEqual({ neg: 0.75, neu: 2 / 3, pos: 2 / 3 });
    expect(result.kappa).toBeCloseTo(0.36 / 0.66, 12);
    expect(result.kappa).toBeCloseTo(0.5454545454545454, 12);
  });

  it('matches sklearn on a larger example', () => {
    // Drawn with Python's random.Random(5); ml/.venv/bin/python: cohen_kappa_score(p, t) = 0.8069498069498069.
    const prompt = [2, 1, 2, 1, 2, 2, 2, 2, 0, 1, 0, 2, 0, 0, 0, 1, 1, 0, 1, 2, 0, 2, 0, 0, 2, 0, 1, 1, 0, 1, 0, 0, 0, 2, 2, 1, 0, 0, 0, 0];
    const teacher = [2, 1, 0, 1, 2, 2, 2, 2, 0, 1, 0, 2, 0, 0, 0, 1, 1, 0, 1, 2, 0, 1, 0, 0, 2, 0, 1, 2, 0, 1, 0, 0, 0, 1, 2, 1, 0, 0, 0, 1];
    expect(agreement(prompt, teacher, labels).kappa).toBeCloseTo(0.8069498069498069, 12);
  });

  it('omits labels the prompt never asked for, calls one shared label perfect agreement, and rejects bad input', () => {
    expect(agreement([0, 0], [0, 0], labels)).toEqual({ overall: 1, byLabel: { neg: 1 }, kappa: 1, confusion: [[2, 0, 0], [0, 0, 0], [0, 0, 0]] });
    expect(agreement([0, 0], [1, 1], labels).kappa).toBe(0);
    expect(() => agreement([0], [0, 1], labels)).toThrow(/1 prompt labels but 2 teacher labels/);
    expect(() => agreement([], [], labels)).toThrow(/at least one row/);
    expect(() => agreement([0], [5], labels)).toThrow(/teacher label 5/);
  });
});
