/**
 * Evaluate stage (GPU queue): predicts the real test split with the best checkpoint and writes
 * accuracy, macro-F1, per-class F1 and the confusion matrix as content-addressed artifacts.
 * Cells run it through `fineTuneAndEvaluate`; the pieces below are shared with that activity.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { metricsSchema } from '../artifacts/metrics';
import type { ArtifactRef } from '../artifacts/ref';
import type { DeviceSeconds } from '../artifacts/results';
import { hashOf } from '../shared/hash';
import { evaluateInputSchema, evaluateOutputSchema, type EvaluateInput, type EvaluateOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { mlPredictConfig } from './ml-configs';
import { deviceSeconds } from './fine-tune';
import { runMlCommand } from './ml-runner';
import { underRetryBudget } from './training-attempts';

export const PREDICTIONS_FILE = 'predictions.jsonl';
export const METRICS_FILE = 'metrics.json';

/** The evaluation's identity: the trained run (and its result) scored on one test split. */
export function evaluateCacheKey(input: { runKey: string; trainResult: ArtifactRef; test: ArtifactRef; labels: string[]; maxLength: number; scoreLabels?: string[] | undefined }): string {
  // scoreLabels is undefined outside study D, and then left out of the hash: earlier keys stay valid.
  return hashOf({ model: input.trainResult.sha256, runKey: input.runKey, test: input.test.sha256, labels: input.labels, maxLength: input.maxLength, scoreLabels: input.scoreLabels });
}

/** Stores the predictions and metrics the ML CLI wrote into `workDir` and records them under `cacheKey`. */
export async function recordEvaluation(deps: ActivityDeps, cacheKey: string, workDir: string, compute: DeviceSeconds): Promise<EvaluateOutput> {
  const metricsText = await readFile(join(workDir, METRICS_FILE), 'utf8');
  const metrics = metricsSchema.parse(JSON.parse(metricsText));
  const output: EvaluateOutput = {
    metrics: await deps.store.put(metricsText, 'json'),
    predictions: await deps.store.put(await readFile(join(workDir, PREDICTIONS_FILE)), 'jsonl'),
    accuracy: metrics.accuracy,
    macroF1: metrics.macro_f1,
    compute,
  };
  await deps.store.record('evaluate', cacheKey, output);
  return output;
}

export function createEvaluateActivity(deps: ActivityDeps) {
  return async function evaluateModel(rawInput: EvaluateInput): Promise<EvaluateOutput> {
    const input = evaluateInputSchema.parse(rawInput);
    const cacheKey = evaluateCacheKey({ ...input, maxLength: input.training.maxLength });
    const cached = await deps.store.lookup('evaluate', cacheKey, evaluateOutputSchema);
    if (cached) return cached;

    const workDir = deps.store.workDir('evaluate', cacheKey);
    // Prediction writes no checkpoints, so every attempt counts as one without progress.
    return underRetryBudget(workDir, input.training, { cacheKey }, async (attempts) => {
      const context = Context.current();
      const startedAt = performance.now();
      await runMlCommand({
        command: 'predict',
        configPath: join(workDir, 'predict-config.json'),
        config: mlPredictConfig(
          {
            modelDir: await deps.store.localModelDir(input.modelDir),
            inputFile: await deps.store.localPath(input.test),
            labels: input.labels,
            outputFile: join(workDir, PREDICTIONS_FILE),
            metricsFile: join(workDir, METRICS_FILE),
          },
          input.training,
        ),
        threads: input.training.threads,
        signal: context.cancellationSignal,
        preemption: deps.preemption,
        heartbeat: () => context.heartbeat({ cacheKey, attempts }),
      });
      // `predict` does not name its device; the configured one is what it resolved (`auto` stays `auto`).
      return recordEvaluation(deps, cacheKey, workDir, deviceSeconds(input.training.device, startedAt, performance.now()));
    });
  };
}
