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
}

/** What `train-evaluate` adds to a `train` config: where to score the test split. */
export function evaluationFilesConfig(files: EvaluationFiles): Record<string, unknown> {
  return { test_file: files.testFile, predictions_file: files.predictionsFile, metrics_file: files.metricsFile };
}

export function mlPredictConfig(files: { modelDir: string; inputFile: string; labels: readonly string[]; outputFile: string; metricsFile?: string }, settings: TrainerSettings): Record<string, unknown> {
  return {
    model_dir: files.modelDir,
    input_file: files.inputFile,
    labels: files.labels,
    output_file: files.outputFile,
    ...(files.metricsFile === undefined ? {} : { metrics_file: files.metricsFile }),
    settings: pickTrainerSettings(settings),
  };
}
