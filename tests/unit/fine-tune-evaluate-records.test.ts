/**
 * fineTuneAndEvaluate reads the records fineTune and evaluateModel write (same keys), so a cell
 * whose run was trained and scored by the two separate activities costs no Python process. Real
 * artifact store; the runs are written the way the ML CLI writes them.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { FineTuneInput } from '../../src/activities/contracts';
import { createModelSource } from '../../src/activities/deps';
import { evaluateCacheKey, METRICS_FILE, PREDICTIONS_FILE, recordEvaluation } from '../../src/activities/evaluate';
import { fineTuneRunKey, recordTrainedRun, TrainingProgress } from '../../src/activities/fine-tune';
import { createFineTuneAndEvaluateActivity } from '../../src/activities/fine-tune-evaluate';
import { ArtifactStore } from '../../src/artifacts/store';
import { trainingSchema } from '../../src/config/schema';

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
      seed: 3,
      training: trainingSchema.parse({ model: '/models/encoder', lr: 0.0001, batchSize: 8, maxLength: 64, maxEpochs: 4, patience: 2, device: 'cpu' }),
    };
    const test = await rows('a');

    const runKey = fineTuneRunKey(training);
    const outputDir = store.workDir('train', runKey);
    await mkdir(join(outputDir, 'best'), { recursive: true });
    await writeFile(join(outputDir, 'train_result.json'), JSON.stringify({ event: 'done', best_epoch: 2, epochs_run: 4, best_dir: join(outputDir, 'best') }));
    const progress = new TrainingProgress();
    progress.observe({ event: 'start', resumed_from_epoch: null });
    const trained = await recordTrainedRun(deps, runKey, outputDir, progress, { device: 'cpu', seconds: 12.5 });

    const key = evaluateCacheKey({ runKey, trainResult: trained.trainResult, test, labels: training.labels, maxLength: training.training.maxLength });
    const evaluationDir = store.workDir('evaluate', key);
    await mkdir(evaluationDir, { recursive: true });
    const metrics = { accuracy: 1, macro_f1: 0.75, per_class_f1: { a: 1, b: 0.5 }, confusion_matrix: [[1, 0], [0, 0]], labels: ['a', 'b'], n: 1 };
    await writeFile(join(evaluationDir, METRICS_FILE), JSON.stringify(metrics));
    await writeFile(join(evaluationDir, PREDICTIONS_FILE), JSON.stringify({ pred: 'a', probs: [0.9, 0.1] }) + '\n');
    const evaluated = await recordEvaluation(deps, key, evaluationDir, { device: 'cpu', seconds: 1.25 });

    // Outside an activity context: any attempt to run the ML CLI (it needs the context) would throw.
    const reused = await createFineTuneAndEvaluateActivity(deps)({ ...training, training: { ...training.training, threads: 2 }, test });
    expect(reused.evaluated).toEqual(evaluated);
    expect(reused.trained).toEqual({ ...trained, trainings: 0, resumedFromEpoch: null });
    expect(reused.evaluated.macroF1).toBe(0.75);
    // A reused run reports what making it took.
    expect(reused.trained.compute).toEqual({ device: 'cpu', seconds: 12.5 });
    expect(reused.evaluated.compute).toEqual({ device: 'cpu', seconds: 1.25 });

    // A different test split is a different evaluation: not reused.
    await expect(createFineTuneAndEvaluateActivity(deps)({ ...training, test: await rows('b') })).rejects.toThrow(/activity context/i);

    // A record whose artifacts are gone is not reused either: the predictions blob, then the best checkpoint.
    await rm(store.pathOf(evaluated.predictions));
    await expect(createFineTuneAndEvaluateActivity(deps)({ ...training, test })).rejects.toThrow(/activity context/i);
    await store.put(await readFile(join(evaluationDir, PREDICTIONS_FILE)), 'jsonl');
    expect((await createFineTuneAndEvaluateActivity(deps)({ ...training, test })).evaluated).toEqual(evaluated);
    await rm(join(outputDir, 'best'), { recursive: true });
    await expect(createFineTuneAndEvaluateActivity(deps)({ ...training, test })).rejects.toThrow(/activity context/i);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
