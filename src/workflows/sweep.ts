/**
 * The sweep: expands the config grid, runs each shared data product once as a child workflow and
 * each cell as a child once its data exists, within bounded windows. A failed cell fails alone;
 * the sweep finishes with a summary of what failed. Orchestration only: deterministic, no I/O.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  condition,
  defineQuery,
  executeChild,
  isCancellation,
  setHandler,
} from '@temporalio/workflow';
import type { ArtifactRef } from '../artifacts/ref';
import { planSweep, type CellSpec, type DataProductSpec } from '../config/plan';
import type { SweepConfig } from '../config/schema';
import type { DatasetSpec } from '../data/dataset-spec';
import { TASK_QUEUES } from '../shared/constants';
import { searchAttributesFor } from '../shared/search-attributes';
import { cellWorkflow, type CellResult } from './cell';
import { dataProductWorkflow, type DataProductResult } from './data-product';

export interface SweepInput {
  sweepId: string;
  config: SweepConfig;
  configHash: string;
  dataRoot: string;
  /** Resolved dataset spec per task (config-defined or built in). */
  datasets: Record<string, DatasetSpec>;
}

export interface FailedItem {
  key: string;
  kind: 'data-product' | 'cell';
  message: string;
}

export interface SweepProgress {
  dataProducts: { total: number; done: number; running: number; failed: number };
  cells: { total: number; done: number; running: number; failed: number };
}

export interface SweepResult {
  sweepId: string;
  configHash: string;
  dataProducts: DataProductResult[];
  cells: CellResult[];
  failed: FailedItem[];
  llmCalls: number;
  trainings: number;
}

export const progressQuery = defineQuery<SweepProgress>('progress');

/** A counting semaphore for workflow code, built on `condition`. */
function createWindow(limit: number) {
  let running = 0;
  return {
    get running() {
      return running;
    },
    async run<T>(work: () => Promise<T>): Promise<T> {
      // Re-check after every wake-up: several waiters can be released by the same change.
      while (running >= limit) await condition(() => running < limit);
      running += 1;
      try {
        return await work();
      } finally {
        running -= 1;
      }
    },
  };
}

function failureMessage(error: unknown): string {
  let current: unknown = error;
  // The root cause says what to fix; the wrappers only say where it happened.
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

export async function sweepWorkflow(input: SweepInput): Promise<SweepResult> {
  const { sweepId, config, dataRoot, datasets } = input;
  const datasetOf = (task: string): DatasetSpec => {
    const dataset = datasets[task];
    if (!dataset) throw ApplicationFailure.create({ type: 'ConfigError', message: `no dataset spec for task ${task}`, nonRetryable: true });
    return dataset;
  };
  const plan = planSweep(config);
  const productWindow = createWindow(config.concurrency.dataProducts);
  const cellWindow = createWindow(config.concurrency.cells);
  const productResults = new Map<string, DataProductResult>();
  const cellResults: CellResult[] = [];
  const failed: FailedItem[] = [];

  setHandler(progressQuery, () => ({
    dataProducts: {
      total: plan.dataProducts.length,
      done: productResults.size,
      running: productWindow.running,
      failed: failed.filter((item) => item.kind === 'data-product').length,
    },
    cells: {
      total: plan.cells.length,
      done: cellResults.length,
      running: cellWindow.running,
      failed: failed.filter((item) => item.kind === 'cell').length,
    },
  }));

  const runProduct = (product: DataProductSpec) =>
    productWindow.run(() =>
      executeChild(dataProductWorkflow, {
        workflowId: `${sweepId}/data/${product.key}`,
        taskQueue: TASK_QUEUES.cpu,
        args: [{ sweepId, dataRoot, dataset: datasetOf(product.task), product }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        typedSearchAttributes: searchAttributesFor(
          { sweepId, task: product.task, language: product.language, strategy: product.strategy, generator: product.generator.name },
          'generate',
        ),
      }),
    );

  const productPromises = new Map<string, Promise<DataProductResult | undefined>>();
  for (const product of plan.dataProducts) {
    productPromises.set(
      product.key,
      runProduct(product).then(
        (result) => {
          productResults.set(product.key, result);
          return result;
        },
        (error: unknown) => {
          if (isCancellation(error)) throw error;
          failed.push({ key: product.key, kind: 'data-product', message: failureMessage(error) });
          return undefined;
        },
      ),
    );
  }

  const runCell = async (cell: CellSpec): Promise<void> => {
    let source: ArtifactRef | undefined;
    if (cell.dataProductKey !== undefined) {
      const product = await productPromises.get(cell.dataProductKey);
      if (!product) {
        failed.push({ key: cell.key, kind: 'cell', message: `its data product ${cell.dataProductKey} failed` });
        return;
      }
      source = product.dataset;
    }
    try {
      const result = await cellWindow.run(() =>
        executeChild(cellWorkflow, {
          workflowId: `${sweepId}/cell/${cell.key}`,
          taskQueue: TASK_QUEUES.cpu,
          args: [{ sweepId, dataRoot, cell, dataset: datasetOf(cell.task), source }],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          typedSearchAttributes: searchAttributesFor(
            { sweepId, task: cell.task, language: cell.language, strategy: cell.strategy, generator: cell.generator, seed: cell.seed },
            'select',
          ),
        }),
      );
      cellResults.push(result);
    } catch (error) {
      if (isCancellation(error)) throw error;
      failed.push({ key: cell.key, kind: 'cell', message: failureMessage(error) });
    }
  };

  await Promise.all(plan.cells.map(runCell));
  await Promise.all(productPromises.values());

  if (cellResults.length === 0 && plan.cells.length > 0) {
    throw ApplicationFailure.create({
      type: 'SweepFailed',
      nonRetryable: true,
      message: `every cell of sweep ${sweepId} failed; first failure: ${failed[0]?.message ?? 'unknown'}`,
    });
  }

  return {
    sweepId,
    configHash: input.configHash,
    dataProducts: [...productResults.values()],
    cells: cellResults,
    failed,
    llmCalls: [...productResults.values()].reduce((sum, product) => sum + product.llmCalls, 0),
    trainings: cellResults.reduce((sum, cell) => sum + cell.trainings, 0),
  };
}
