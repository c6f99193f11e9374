/**
 * Study D's teacher: a model fine-tuned on a task's labelled source data (its train split, k per
 * label or all, and its dev split for the best checkpoint), keeping one checkpoint per epoch for
 * dataset cartography. One per teacher key, shared by every data product that names it; the
 * training run is recorded under its inputs, so a resumed sweep finds it instead of training again.
 * Orchestration only.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { TeacherOutcome } from '../artifacts/results';
import type { TeacherSpec } from '../config/plan';
import type { DatasetSpec } from '../data/dataset-spec';
import { CellStatusKey, StageKey } from '../shared/search-attributes';
import { cellLocalActivities, gpuActivitiesWith, recordActivities } from './policies';

export interface TeacherInput {
  sweepId: string;
  dataRoot: string;
  dataset: DatasetSpec;
  teacher: TeacherSpec;
}

/** Source rows per label when the config takes the whole train split. */
const ALL_ROWS = 1_000_000_000;

function setStage(stage: string): void {
  upsertSearchAttributes([{ key: StageKey, value: stage }]);
}

export async function teacherWorkflow({ sweepId, dataRoot, dataset, teacher }: TeacherInput): Promise<TeacherOutcome> {
  try {
    setStage('select');
    const source = await cellLocalActivities.selectTrainingSet({
      dataRoot,
      dataset,
      language: teacher.language,
      source: undefined,
      perLabel: teacher.perLabel ?? ALL_ROWS,
      devPerLabel: teacher.training.devPerLabel,
      seed: teacher.seed,
    });
    setStage('fine-tune');
    const run = await gpuActivitiesWith(teacher.training.heartbeatTimeoutSeconds).fineTune({
      train: source.train,
      dev: source.dev,
      labels: source.labels,
      seed: teacher.seed,
      training: teacher.training,
    });
    const outcome: TeacherOutcome = {
      key: teacher.key,
      runKey: run.runKey,
      modelDir: run.modelDir,
      trainResult: run.trainResult,
      bestEpoch: run.bestEpoch,
      epochsRun: run.epochsRun,
      labels: source.labels,
      trainSize: source.trainSize,
      trainings: run.trainings,
    };
    await recordActivities.recordTeacher({ sweepId, result: outcome });
    upsertSearchAttributes([
      { key: StageKey, value: 'done' },
      { key: CellStatusKey, value: 'completed' },
    ]);
    setCurrentDetails(`teacher ${teacher.key} → trained on ${source.trainSize} source rows, best epoch ${run.bestEpoch} of ${run.epochsRun}`);
    return outcome;
  } catch (error) {
    upsertSearchAttributes([{ key: CellStatusKey, value: 'failed' }]);
    throw error;
  }
}
