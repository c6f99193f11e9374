/**
 * A cell's GPU work as one activity (GPU queue): `synthlab_ml train-evaluate` trains, then scores
 * the test split with the best checkpoint, in one Python process. Starting Python with torch costs
 * more than scoring a test split, and the model is scored where it was trained, so no checkpoint
 * has to travel between GPU workers.
 * Training keeps its contract: a retry resumes from the last checkpoint, and a retry after a
 * failed evaluation finds the finished run and only evaluates. It reads and writes the same
 * records as `fineTune` and `evaluateModel`, so work done by either path is reused by the other.
 */
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { hashOf } from '../shared/hash';
import {
  evaluateOutputSchema,
  fineTuneAndEvaluateInputSchema,
  fineTuneOutputSchema,
  type FineTuneAndEvaluateInput,
  type FineTuneAndEvaluateOutput,
} from './contracts';
import type { ActivityDeps } from './deps';
import { evaluateCacheKey, METRICS_FILE, PREDICTIONS_FILE, recordEvaluation } from './evaluate';
import { deviceSeconds, fineTuneRunKey, recordTrainedRun, reusedRun, trainConfigFor, trainedDevice, TrainingProgress } from './fine-tune';
import { evaluationFilesConfig } from './ml-configs';
import { runMlCommand } from './ml-runner';
import { withRunLock } from './run-lock';
import { underRetryBudget } from './training-attempts';

export function createFineTuneAndEvaluateActivity(deps: ActivityDeps) {
  return async function fineTuneAndEvaluate(rawInput: FineTuneAndEvaluateInput): Promise<FineTuneAndEvaluateOutput> {
    const { test, scoreLabels, ...training } = fineTuneAndEvaluateInputSchema.parse(rawInput);
    // Cells that differ only in where they are scored share this key, and so one training run.
    const runKey = fineTuneRunKey(training);
    const scored = { runKey, test, labels: training.labels, maxLength: training.training.maxLength, scoreLabels };
    const trainedBefore = await deps.store.lookup('fine-tune', runKey, fineTuneOutputSchema);
    if (trainedBefore) {
      const evaluatedBefore = await deps.store.lookup('evaluate', evaluateCacheKey({ ...scored, trainResult: trainedBefore.trainResult }), evaluateOutputSchema);
      if (evaluatedBefore) return { trained: reusedRun(trainedBefore), evaluated: evaluatedBefore };
    }

    const outputDir = deps.store.workDir('train', runKey);
    // Keyed without the train result, which exists only after training; the record's key has it.
    const evaluationDir = deps.store.workDir('evaluate', hashOf({ ...scored, test: test.sha256 }));
    return underRetryBudget(outputDir, training.training, { runKey }, (attempts) =>
      withRunLock(runKey, () => Context.current().heartbeat({ runKey, phase: 'waiting', attempts }), async () => {
        const context = Context.current();
        const progress = new TrainingProgress();
        let phase: 'train' | 'evaluate' = 'train';
        const startedAt = performance.now();
        let evaluationStartedAt: number | undefined;
        await runMlCommand({
          command: 'train-evaluate',
          // In the run's folder (tests and operators find a run's trainer by it): cells that share the
          // run and differ only in where they are scored write it one at a time, under withRunLock.
          configPath: join(outputDir, 'train-evaluate-config.json'),
          config: {
            ...(await trainConfigFor(deps.store, training, outputDir)),
            ...evaluationFilesConfig({
              testFile: await deps.store.localPath(test),
              predictionsFile: join(evaluationDir, PREDICTIONS_FILE),
              metricsFile: join(evaluationDir, METRICS_FILE),
              ...(scoreLabels === undefined ? {} : { scoreLabels }),
            }),
          },
          threads: training.training.threads,
          signal: context.cancellationSignal,
          preemption: deps.preemption,
          onEvent: (event) => {
            progress.observe(event);
            if (event.event === 'evaluate') {
              phase = 'evaluate';
              evaluationStartedAt = performance.now();
            }
          },
          heartbeat: () => context.heartbeat({ runKey, phase, ...progress.lastEpoch, attempts }),
        });
        const endedAt = performance.now();
        const trainedAt = evaluationStartedAt ?? endedAt;
        // Prediction runs in the trainer's process, on its device.
        const device = trainedDevice(progress, trainedBefore?.compute?.device ?? training.training.device);
        // A run that had already finished (a retry after a failed evaluation) keeps what its training took.
        const trainCompute = progress.started ? deviceSeconds(device, startedAt, trainedAt) : trainedBefore?.compute;
        const trained = await recordTrainedRun(deps, runKey, outputDir, progress, trainCompute);
        const evaluated = await recordEvaluation(
          deps,
          evaluateCacheKey({ ...scored, trainResult: trained.trainResult }),
          evaluationDir,
          deviceSeconds(device, trainedAt, endedAt),
        );
        return { trained, evaluated };
      }),
    );
  };
}
