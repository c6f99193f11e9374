/**
 * Chance references per (task, language), from the test label counts that any run's metrics
 * artifact records in its confusion matrix: every cell of a task and language scores the same test
 * split.
 */
import type { CellResult } from '../artifacts/results';
import { metricsSchema } from '../artifacts/metrics';
import type { ArtifactStore } from '../artifacts/store';
import { chanceReferences, testCountsFromConfusion, type ChanceReferences } from './chance';

export type ChanceByTaskLanguage = Map<string, ChanceReferences>;

export const taskLanguageKey = (cell: Pick<CellResult, 'task' | 'language'>): string => `${cell.task}\u0000${cell.language}`;

export async function loadChanceReferences(store: ArtifactStore, cells: readonly CellResult[]): Promise<ChanceByTaskLanguage> {
  const references: ChanceByTaskLanguage = new Map();
  for (const cell of cells) {
    const key = taskLanguageKey(cell);
    if (references.has(key)) continue;
    const metrics = await store.readJson(cell.metrics, metricsSchema).catch(() => undefined);
    if (metrics) references.set(key, chanceReferences(testCountsFromConfusion(metrics.confusion_matrix)));
  }
  return references;
}
