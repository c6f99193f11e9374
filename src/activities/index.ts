/**
 * All activities, built by one factory that receives their clients: the worker passes real ones,
 * tests may pass others. Every activity maps our own errors to typed Temporal failures.
 */
import { createAnnotateActivity } from './annotate';
import { createDedupeActivity } from './dedupe';
import type { ActivityDeps } from './deps';
import { createEvaluateActivity } from './evaluate';
import { withFailureTypes } from './failures';
import { createFineTuneActivity } from './fine-tune';
import { createGenerateActivity } from './generate';
import { createReviseActivity } from './revise';
import { createSelectActivity } from './select';
import { createSummarizeLabelsActivity } from './summarize-labels';

export function createCpuActivities(deps: ActivityDeps) {
  return {
    summarizeLabels: withFailureTypes(createSummarizeLabelsActivity(deps)),
    generateSamples: withFailureTypes(createGenerateActivity(deps)),
    reviseSamples: withFailureTypes(createReviseActivity(deps)),
    dedupeSamples: withFailureTypes(createDedupeActivity(deps)),
    annotateSamples: withFailureTypes(createAnnotateActivity(deps)),
    selectTrainingSet: withFailureTypes(createSelectActivity(deps)),
  };
}

export function createGpuActivities(deps: ActivityDeps) {
  return {
    fineTune: withFailureTypes(createFineTuneActivity(deps)),
    evaluateModel: withFailureTypes(createEvaluateActivity(deps)),
  };
}

export function createActivities(deps: ActivityDeps) {
  return { ...createCpuActivities(deps), ...createGpuActivities(deps) };
}

export type { ActivityDeps } from './deps';
