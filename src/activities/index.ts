/**
 * All activities, built by one factory that receives their clients: the worker passes real ones,
 * tests may pass others. Every activity maps our own errors to typed Temporal failures.
 */
import { createAnnotateActivity } from './annotate';
import { createClassifyActivity } from './classify';
import { createAnnotateWithModelsActivity } from './annotate-with-models';
import { createAnnotateWithLlmsActivity } from './annotate-with-llms';
import { createDedupeActivity } from './dedupe';
import type { ActivityDeps } from './deps';
import { createEvaluateActivity } from './evaluate';
import { withFailureTypes } from './failures';
import { createFineTuneActivity } from './fine-tune';
import { createFineTuneAndEvaluateActivity } from './fine-tune-evaluate';
import { createGenerateActivity } from './generate';
import { createImportSamplesActivity } from './import-samples';
import { createKeepSamplesActivity } from './keep-samples';
import { createReviseActivity } from './revise';
import { createSelectActivity } from './select';
import { createSelectStudyActivity } from './select-study';
import { createSummarizeLabelsActivity } from './summarize-labels';
import { createTranslateActivity } from './translate';
import { createOpenSweepActivity, createRecordCellActivity, createRecordDataProductActivity, createRecordTeacherActivity } from './sweep-records';

export function createCpuActivities(deps: ActivityDeps) {
  return {
    summarizeLabels: withFailureTypes(createSummarizeLabelsActivity(deps)),
    generateSamples: withFailureTypes(createGenerateActivity(deps)),
    reviseSamples: withFailureTypes(createReviseActivity(deps)),
    classifyTestSet: withFailureTypes(createClassifyActivity(deps)),
    translateRows: withFailureTypes(createTranslateActivity(deps)),
    annotateWithLlms: withFailureTypes(createAnnotateWithLlmsActivity(deps)),
    importSamples: withFailureTypes(createImportSamplesActivity(deps)),
    dedupeSamples: withFailureTypes(createDedupeActivity(deps)),
    keepSamples: withFailureTypes(createKeepSamplesActivity(deps)),
    annotateSamples: withFailureTypes(createAnnotateActivity(deps)),
    selectTrainingSet: withFailureTypes(createSelectActivity(deps)),
    selectStudyTrainingSet: withFailureTypes(createSelectStudyActivity(deps)),
    ...createSweepRecordActivities(deps),
  };
}

/** Sweep bookkeeping, on the CPU queue beside the workflows. */
export function createSweepRecordActivities(deps: ActivityDeps) {
  return {
    openSweep: withFailureTypes(createOpenSweepActivity(deps)),
    recordCellResult: withFailureTypes(createRecordCellActivity(deps)),
    recordDataProduct: withFailureTypes(createRecordDataProductActivity(deps)),
    recordTeacher: withFailureTypes(createRecordTeacherActivity(deps)),
  };
}

export function createGpuActivities(deps: ActivityDeps) {
  return {
    fineTuneAndEvaluate: withFailureTypes(createFineTuneAndEvaluateActivity(deps)),
    // Study D: the teacher's predictions and the sentence encoder over a data product, once per (teacher, product).
    annotateWithModels: withFailureTypes(createAnnotateWithModelsActivity(deps)),
    // Cells recorded before fineTuneAndEvaluate replay through these two (see cellWorkflow).
    fineTune: withFailureTypes(createFineTuneActivity(deps)),
    evaluateModel: withFailureTypes(createEvaluateActivity(deps)),
  };
}

export function createActivities(deps: ActivityDeps) {
  return { ...createCpuActivities(deps), ...createGpuActivities(deps) };
}

export type { ActivityDeps } from './deps';
