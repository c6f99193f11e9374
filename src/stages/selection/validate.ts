/** Checks a selection pool and options before any method runs, naming what is missing or wrong. */
import { SELECTION_METHODS, type SelectionOptions, type SelectionPool } from './types';

const NEEDS = {
  rand: { best: false, epochs: false, embeddings: false },
  top: { best: true, epochs: false, embeddings: false },
  div: { best: false, epochs: false, embeddings: true },
  easy: { best: false, epochs: true, embeddings: false },
  amb: { best: false, epochs: true, embeddings: false },
} as const;

function checkProbabilities(name: string, probabilities: Float32Array, rows: number, labelCount: number): void {
  if (probabilities.length !== rows * labelCount) {
    throw new Error(`${name} has ${probabilities.length} values, expected ${rows} rows x ${labelCount} labels = ${rows * labelCount}`);
  }
  for (let index = 0; index < probabilities.length; index += 1) {
    const value = probabilities[index] as number;
    if (!(value >= 0 && value <= 1 + 1e-6)) throw new Error(`${name} holds ${value} at row ${Math.floor(index / labelCount)}, not a probability`);
  }
}

export function validateSelection(pool: SelectionPool, options: SelectionOptions): void {
  const { method, perLabel, clustersPerLabel, seed } = options;
  if (!(SELECTION_METHODS as readonly string[]).includes(method)) {
    throw new Error(`unknown selection method "${String(method)}"; the methods are ${SELECTION_METHODS.join(', ')}`);
  }
  if (!Number.isInteger(perLabel) || perLabel < 0) throw new Error(`selection perLabel must be a non-negative integer, got ${perLabel}`);
  if (!Number.isInteger(clustersPerLabel) || clustersPerLabel < 1) throw new Error(`selection clustersPerLabel must be a positive integer, got ${clustersPerLabel}`);
  if (!Number.isFinite(seed)) throw new Error(`selection seed must be a finite number, got ${seed}`);
  const rows = pool.ids.length;
  const labelCount = pool.labels.length;
  if (labelCount === 0) throw new Error('the selection pool has no labels');
  if (new Set(pool.labels).size !== labelCount) throw new Error(`the selection pool's labels repeat a name: ${pool.labels.join(', ')}`);
  if (pool.promptLabels.length !== rows) throw new Error(`the selection pool has ${rows} ids but ${pool.promptLabels.length} prompt labels`);
  pool.promptLabels.forEach((label, row) => {
    if (!Number.isInteger(label) || label < 0 || label >= labelCount) throw new Error(`row ${row} (${pool.ids[row]}) has prompt label ${label}, not in 0..${labelCount - 1}`);
  });
  if (new Set(pool.ids).size !== rows) throw new Error('the selection pool repeats an id; ties are broken by id, so ids must be unique');

  const needs = NEEDS[method];
  if (needs.best && !pool.best) throw new Error(`method ${method} needs teacher probabilities (the best checkpoint's, pool.best), and the pool has none`);
  if (needs.epochs && (pool.epochProbabilities === undefined || pool.epochProbabilities.length === 0)) {
    throw new Error(`method ${method} needs the teacher's probabilities per epoch checkpoint (pool.epochProbabilities), and the pool has none`);
  }
  if (needs.embeddings && (!pool.embeddings || pool.dimension === undefined)) {
    throw new Error(`method ${method} needs sentence embeddings (pool.embeddings and pool.dimension), and the pool has none`);
  }
  if (pool.best) checkProbabilities('the best checkpoint\'s probabilities', pool.best, rows, labelCount);
  pool.epochProbabilities?.forEach((probabilities, epoch) => checkProbabilities(`epoch checkpoint ${epoch + 1}'s probabilities`, probabilities, rows, labelCount));
  if (pool.embeddings) {
    const { dimension } = pool;
    if (dimension === undefined || !Number.isInteger(dimension) || dimension < 1) throw new Error(`the pool's embeddings need a positive integer dimension, got ${dimension}`);
    if (pool.embeddings.length !== rows * dimension) {
      throw new Error(`the pool's embeddings have ${pool.embeddings.length} values, expected ${rows} rows x ${dimension} dimensions`);
    }
  }
}
