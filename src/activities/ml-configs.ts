/**
 * The ML CLI's command configs (`python -m synthlab_ml <command> --config FILE`), built in one place:
 * file paths for this call, and the trainer's settings as one object, exactly as the sweep config
 * declares them (`trainerSettingsSchema`). The Python side validates them and adds no defaults.
 */
import { pickTrainerSettings, type TrainerSettings } from '../config/schema';
import { resolveModelReference } from '../infra/paths';

export interface TrainFiles {
  /** A model reference: a local dir, `packaged:<name>` or a hub id. */
  model: string;
  trainFile: string;
  devFile: string;
  labels: readonly string[];
  outputDir: string;
  seed: number;
}

export function mlTrainConfig(files: TrainFiles, settings: TrainerSettings): Record<string, unknown> {
  return {
    model: resolveModelReference(files.model),
    train_file: files.trainFile,
    dev_file: files.devFile,
    labels: files.labels,
    output_dir: files.outputDir,
    seed: files.seed,
    settings: pickTrainerSettings(settings),
  };
}

export interface EvaluationFiles {
  testFile: string;
  predictionsFile: string;
  metricsFile: string;
  /** Score only these labels (a subset of the labels): the argmax and the metrics are restricted to them. */
  scoreLabels?: readonly string[];
}

/** What `train-evaluate` adds to a `train` config: where to score the test split. */
export function evaluationFilesConfig(files: EvaluationFiles): Record<string, unknown> {
  return {
    test_file: files.testFile,
    predictions_file: files.predictionsFile,
    metrics_file: files.metricsFile,
    ...(files.scoreLabels === undefined ? {} : { score_labels: files.scoreLabels }),
  };
}

export interface PredictFiles {
  /** The model; with `checkpoints: 'every-epoch'`, the training run's output dir or its best/. */
  modelDir: string;
  inputFile: string;
  labels: readonly string[];
  outputFile: string;
  metricsFile?: string;
  /** `best` (when omitted): the best model; `every-epoch`: also every kept epoch checkpoint, into `probabilitiesFile`. */
  checkpoints?: 'best' | 'every-epoch';
  /** `.npy` float32 [E, N, C]: E checkpoints (1 for `best`), N input rows in order, C labels in order. */
  probabilitiesFile?: string;
  /** Score only these labels (a subset of the labels): the argmax and the metrics are restricted to them. */
  scoreLabels?: readonly string[];
}

export function mlPredictConfig(files: PredictFiles, settings: TrainerSettings): Record<string, unknown> {
  return {
    model_dir: files.modelDir,
    input_file: files.inputFile,
    labels: files.labels,
    output_file: files.outputFile,
    ...(files.metricsFile === undefined ? {} : { metrics_file: files.metricsFile }),
    checkpoints: files.checkpoints ?? 'best',
    ...(files.probabilitiesFile === undefined ? {} : { probabilities_file: files.probabilitiesFile }),
    ...(files.scoreLabels === undefined ? {} : { score_labels: files.scoreLabels }),
    settings: pickTrainerSettings(settings),
  };
}
