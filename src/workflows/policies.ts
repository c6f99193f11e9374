/**
 * Activity proxies, one per timeout/retry/queue policy. Workflow code: no Node built-ins.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { TASK_QUEUES } from '../shared/constants';

type Activities = ReturnType<typeof createActivities>;

const NON_RETRYABLE = ['DataError', 'ConfigError', 'LlmAuthError', 'LlmBadRequest', 'LlmModelNotFound', 'ModelFileMissing', 'MlConfigError'];

/** LLM stages: long, heartbeating after every request so a dead worker is noticed quickly. */
export const llmActivities = proxyActivities<Pick<Activities, 'summarizeLabels' | 'generateSamples' | 'reviseSamples' | 'classifyTestSet' | 'translateRows' | 'annotateWithLlms'>>({
  taskQueue: TASK_QUEUES.cpu,
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 6, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Data stages: short, local I/O only. */
export const dataActivities = proxyActivities<Pick<Activities, 'importSamples' | 'dedupeSamples' | 'keepSamples' | 'annotateSamples'>>({
  taskQueue: TASK_QUEUES.cpu,
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Sweep bookkeeping: small local file writes and reads. */
export const recordActivities = proxyActivities<Pick<Activities, 'openSweep' | 'recordCellResult' | 'recordDataProduct' | 'recordTeacher'>>({
  taskQueue: TASK_QUEUES.cpu,
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * A cell's short local steps (select its training set, record its result) as local activities:
 * they run in the workflow's own worker without a task-queue round trip, which is most of what a
 * cell costs the orchestrator once there are thousands of them.
 */
export const cellLocalActivities = proxyLocalActivities<Pick<Activities, 'selectTrainingSet' | 'selectStudyTrainingSet' | 'recordCellResult'>>({
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * Training and prediction on the GPU queue, run by the Python ML CLI. The heartbeat timeout is
 * how quickly a dead GPU worker is noticed, so it comes from the sweep's training settings.
 * No attempt limit: losing a worker (preemption, a spot node gone) is not the training's fault, and
 * an attempt that checkpointed brought the run closer to its end. The activities keep their own
 * budget in their heartbeats (src/activities/training-attempts.ts): attempts in a row without a new
 * checkpoint, and failures of the training's own; the schedule-to-close timeout bounds the time.
 */
export function gpuActivitiesWith(heartbeatTimeoutSeconds: number) {
  return proxyActivities<Pick<Activities, 'fineTuneAndEvaluate' | 'fineTune' | 'evaluateModel'>>({
    taskQueue: TASK_QUEUES.gpu,
    startToCloseTimeout: '24 hours',
    scheduleToCloseTimeout: '7 days',
    heartbeatTimeout: heartbeatTimeoutSeconds * 1000,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

/**
 * A product's annotation by models on the GPU queue (teacher prediction, embeddings): it writes no
 * checkpoints and keeps no retry budget of its own, so it keeps an attempt limit. Without one, a
 * prediction that fails on its own would be retried for the gpu activities' whole 7 days.
 */
export function annotationActivitiesWith(heartbeatTimeoutSeconds: number) {
  return proxyActivities<Pick<Activities, 'annotateWithModels'>>({
    taskQueue: TASK_QUEUES.gpu,
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: heartbeatTimeoutSeconds * 1000,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 4, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}
