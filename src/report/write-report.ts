/**
 * Writes a sweep's report folder: runs.csv, results-<task>.md, one confusion-matrix SVG per run
 * (named by its metrics artifact hash), gap-to-gold.svg, data-products.csv, and the cost table
 * (cost.csv, cost.md: LLM requests, tokens and backend time, training and prediction seconds per
 * device, the price where the config gives one). Each file is written
 * atomically (temporary file + rename), so a reader never sees a half-written file.
 */
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { metricsSchema } from '../artifacts/metrics';
import { type ArtifactStore, writeFileAtomic } from '../artifacts/store';
import { aggregateByTask, gapChartData } from './aggregate';
import { costCsv } from './cost-csv';
import { costMarkdown, sweepCosts, type EstimateComparison } from './costs';
import { dataProductsCsv, runsCsv, sortCells } from './csv';
import { loadChanceReferences } from './load-chance';
import type { SweepReportData } from './load-sweep';
import { confusionFileName, resultsMarkdownFileName } from './naming';
import { resultsMarkdown, type RunWarning } from './results-markdown';
import { points } from './summary-table';
import { learningCurveFileName, learningCurves, learningCurveSvg } from './learning-curves';
import { studyBMarkdown } from './study-b';
import { studyCMarkdown, studyCProducts, studyCRows } from './study-c';
import { f1DiversitySvg, studyDMarkdown, studyDRows } from './study-d';
import { confusionMatrixSvg, gapToGoldSvg } from './svg';

export interface WriteReportOptions {
  result: Pick<SweepReportData, 'sweepId' | 'cells' | 'dataProducts' | 'failed'> & Partial<Pick<SweepReportData, 'prices'>>;
  /** The plan's estimate of LLM requests and tokens, shown beside the actuals in cost.md. */
  estimate?: EstimateComparison | undefined;
  outDir: string;
  /** Where the metrics artifacts are read from (hash-checked). */
  store: ArtifactStore;
}

export interface WrittenReport {
  outDir: string;
  files: string[];
  /** Runs whose metrics artifact could not be read (no confusion image for them). */
  missingMetrics: { key: string; message: string }[];
  /** The trainer's warnings about each run's predictions (one label for every test row, labels never predicted). */
  warnings: RunWarning[];
}

export async function writeReport({ result, outDir, store, estimate }: WriteReportOptions): Promise<WrittenReport> {
  const root = resolve(outDir);
  const files: string[] = [];
  const write = async (relative: string, content: string) => {
    const path = join(root, relative);
    await writeFileAtomic(path, content);
    files.push(path);
  };

  await write('runs.csv', runsCsv(result.cells));
  await write('data-products.csv', dataProductsCsv(result.dataProducts));
  const costs = sweepCosts(result.dataProducts, result.cells);
  await write('cost.csv', costCsv(costs, result.prices ?? {}));
  await write('cost.md', costMarkdown(result.sweepId, costs, result.prices ?? {}, estimate));

  const metricsByKey = new Map<string, z.infer<typeof metricsSchema>>();
  const missingMetrics: WrittenReport['missingMetrics'] = [];
  for (const cell of sortCells(result.cells)) {
    try {
      metricsByKey.set(cell.key, await store.readJson(cell.metrics, metricsSchema));
    } catch (error) {
      missingMetrics.push({ key: cell.key, message: error instanceof Error ? error.message : String(error) });
    }
  }
  const warnings = [...metricsByKey].flatMap(([key, metrics]) => (metrics.warnings ?? []).map((message) => ({ key, message })));

  const byTask = aggregateByTask(result.cells, await loadChanceReferences(store, result.cells));
  for (const task of byTask) {
    await write(resultsMarkdownFileName(task.task), resultsMarkdown(task, { sweepId: result.sweepId, failed: result.failed, warnings }));
  }

  const chart = gapChartData(byTask);
  await write(
    'gap-to-gold.svg',
    gapToGoldSvg({
      title: `${result.sweepId}: gap to gold per strategy`,
      ...chart,
      note:
        chart.bars.length === 0
          ? 'no strategy has a gold baseline to compare with'
          : 'strategy mean minus gold mean over seeds; error bars: std over seeds (average: std across languages)',
    }),
  );

  // Study D: the method × label-kind table and the plot of macro-F1 against diversity.
  const studyD = studyDRows(result.cells, result.dataProducts);
  if (studyD.length > 0) {
    await write('study-d.md', studyDMarkdown(studyD, result.sweepId));
    await write('f1-vs-diversity.svg', f1DiversitySvg(studyD, `${result.sweepId}: macro-F1 against diversity of the selected generations`));
  }

  // Study C: annotator agreement, label distributions and the regime comparison.
  const studyC = studyCMarkdown(studyCProducts(result.dataProducts), studyCRows(result.cells, result.dataProducts), result.sweepId);
  if (studyC !== undefined) await write('study-c.md', studyC);

  // Study B: the LLM classifier rows.
  const studyB = studyBMarkdown(result.cells, result.sweepId);
  if (studyB !== undefined) await write('study-b.md', studyB);
  for (const curve of learningCurves(result.cells)) {
    await write(learningCurveFileName(curve), learningCurveSvg(curve, `${result.sweepId}: ${curve.task} · ${curve.language}, macro-F1 against training-set size`));
  }

  for (const cell of sortCells(result.cells)) {
    const metrics = metricsByKey.get(cell.key);
    if (metrics === undefined) continue;
    await write(
      join('confusion', confusionFileName(cell.key, cell.metrics.sha256)),
      confusionMatrixSvg({
        title: cell.key,
        subtitle: `macro-F1 ${points(metrics.macro_f1)}, accuracy ${points(metrics.accuracy)}, n_train ${cell.trainSize}, metrics ${cell.metrics.sha256.slice(0, 8)}`,
        labels: metrics.labels,
        matrix: metrics.confusion_matrix,
      }),
    );
  }
  return { outDir: root, files, missingMetrics, warnings };
}
