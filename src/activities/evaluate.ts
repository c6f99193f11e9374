/**
 * Evaluate stage (GPU queue): predicts the real test split with the best checkpoint and writes
 * accuracy, macro-F1, per-class F1 and the confusion matrix as content-addressed artifacts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { pathOfRef } from '../artifacts/store';
import { hashOf } from '../shared/hash';
import { evaluateInputSchema, evaluateOutputSchema, type EvaluateInput, type EvaluateOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { runMlCommand } from './ml-runner';

export const metricsSchema = z.looseObject({
  accuracy: z.number(),
  macro_f1: z.number(),
  per_class_f1: z.record(z.string(), z.number()),
  confusion_matrix: z.array(z.array(z.number().int())),
  labels: z.array(z.string()),
  n: z.number().int(),
});

export function createEvaluateActivity(deps: ActivityDeps) {
  return async function evaluateModel(rawInput: EvaluateInput): Promise<EvaluateOutput> {
    const input = evaluateInputSchema.parse(rawInput);
    const cacheKey = hashOf({ model: input.trainResult.sha256, runKey: input.runKey, test: input.test.sha256, labels: input.labels, maxLength: input.maxLength });
    const cached = await deps.store.lookup('evaluate', cacheKey, evaluateOutputSchema);
    if (cached) return cached;

    const workDir = deps.store.workDir('evaluate', cacheKey);
    const context = Context.current();
    await runMlCommand({
      command: 'predict',
      configPath: join(workDir, 'predict-config.json'),
      config: {
        model_dir: input.modelDir,
        input_file: pathOfRef(input.test),
        labels: input.labels,
        output_file: join(workDir, 'predictions.jsonl'),
        metrics_file: join(workDir, 'metrics.json'),
        max_length: input.maxLength,
        device: input.device,
      },
      threads: input.threads,
      signal: context.cancellationSignal,
      heartbeat: () => context.heartbeat(),
    });
    const metricsText = await readFile(join(workDir, 'metrics.json'), 'utf8');
    const metrics = metricsSchema.parse(JSON.parse(metricsText));
    const output: EvaluateOutput = {
      metrics: await deps.store.put(metricsText, 'json'),
      predictions: await deps.store.put(await readFile(join(workDir, 'predictions.jsonl')), 'jsonl'),
      accuracy: metrics.accuracy,
      macroF1: metrics.macro_f1,
    };
    await deps.store.record('evaluate', cacheKey, output);
    return output;
  };
}
