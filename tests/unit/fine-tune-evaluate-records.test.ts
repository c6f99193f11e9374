/**
 * fineTuneAndEvaluate reads the records fineTune and evaluateModel write (same keys), so a cell
 * whose run was trained and scored by the two separate activities costs no Python process. Real
 * artifact store; the runs are written the way the ML CLI writes them.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { FineTuneInput } from '../../src/activities/contracts';
import { createModelSource } from '../../src/activities/deps';
import { evaluateCacheKey, METRICS_FILE, PREDICTIONS_FILE, recordEvaluation } from '../../src/activities/evaluate';
import { fineTuneRunKey, recordTrainedRun, TrainingProgress } from '../../src/activities/fine-tune';
import { createFineTuneAndEvaluateActivity } from '../../src/activities/fine-tune-evaluate';
import { ArtifactStore } from '../../src/artifacts/store';

it('reuses a run trained and scored by the separate fineTune and evaluateModel activities', async () => {
  const root = await mkdtemp(join(tmpdir(), 'synthlab-gpu-records-'));
  try {
    const store = new ArtifactStore(root);
    const deps = { store, models: createModelSource() };
    const rows = (label: string) => store.put(JSON.stringify({ text: 'x', label }) + '\n', 'jsonl');
    const training: FineTuneInput = {
      train: await rows('a'),
      dev: await rows('b'),
      labels: ['a', 'b'],
      model: '/models/encoder',
      seed: 3,
      lr: 0.0001,
      batchSize: 8,
      maxLength: 64,
      maxEpochs: 4,
      patience: 2,
      device: 'cpu',
      method: 'fine-tune',
      pooling: 'mean',
      headLr: null,
      headInit: 'linear-probe',
      minSteps: 0,
      freezeEmbeddings: true,
      warmupRatio: 0.1,
      probeC: null,
    };
    const test = await rows('a');

    const runKey = fineTuneRunKey(training);
    const outputDir = store.workDir('train', runKey);
    await mkdir(outputDir, { recursive: true });
    await writeFile(join(outputDir, 'train_result.json'), JSON.stringify({ event: 'done', best_epoch: 2, epochs_run: 4, best_dir: join(outputDir, 'best') }));
    const progress = new TrainingProgress();
    progress.observe({ event: 'start', resumed_from_epoch: null });
    const trained = await recordTrainedRun(deps, runKey, outputDir, progress);

    const key = evaluateCacheKey({ runKey, trainResult: trained.trainResult, test, labels: training.labels, maxLength: training.maxLength });
    const evaluationDir = store.workDir('evaluate', key);
    await mkdir(evaluationDir, { recursive: true });
    const metrics = { accuracy: 1, macro_f1: 0.75, per_class_f1: { a: 1, b: 0.5 }, confusion_matrix: [[1, 0], [0, 0]], labels: ['a', 'b'], n: 1 };
    await writeFile(join(evaluationDir, METRICS_FILE), JSON.stringify(metrics));
    await writeFile(join(evaluationDir, PREDICTIONS_FILE), JSON.stringify({ pred: 'a', probs: [0.9, 0.1] }) + '\n');
    const evaluated = await recordEvaluation(deps, key, evaluationDir);

    // Outside an activity context: any attempt to run the ML CLI (it needs the context) would throw.
    const reused = await createFineTuneAndEvaluateActivity(deps)({ ...training, threads: 2, test });
    expect(reused.evaluated).toEqual(evaluated);
    expect(reused.trained).toEqual({ ...trained, trainings: 0, resumedFromEpoch: null });
    expect(reused.evaluated.macroF1).toBe(0.75);

    // A different test split is a different evaluation: not reused.
    await expect(createFineTuneAndEvaluateActivity(deps)({ ...training, test: await rows('b') })).rejects.toThrow(/activity context/i);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
