/**
 * The retry budget of a training activity, kept across attempts in its heartbeat details.
 *
 * Losing a worker (heartbeat timeout, the process gone, a preemption notice) is not the training's
 * fault, and each such attempt that wrote a new checkpoint brought the run closer to its end: the GPU
 * activity's retry policy has no attempt limit (only a time bound), and this ledger fails the run
 * when attempts stop making progress. Each attempt, on start, compares the newest checkpoint on disk
 * with the one the last attempt it has a ledger from started from (from that attempt's heartbeat
 * details): no newer checkpoint means every attempt since then ended without progress, and at
 * `training.maxAttemptsWithoutProgress` in a row the run fails for good, saying so. The attempts are
 * counted from the server's attempt number, not by adding one per ledger: a worker killed before its
 * first heartbeat reached the server leaves no ledger, and must not make the count forget it.
 * A failure of the training
 * itself (the trainer crashed, a file could not be written) is counted apart, with a small budget
 * (`training.maxTrainerFailures`), because retrying what fails on its own rarely helps.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import type { TrainingSettings } from '../config/schema';

/** What each attempt heartbeats under `attempts`. */
export const attemptLedgerSchema = z.object({
  /** The attempt (1-based) that wrote this ledger; absent in ledgers heartbeated before it was recorded. */
  attempt: z.number().int().positive().optional(),
  /** The progress mark (see `progressMark`) on disk when this attempt started. */
  progressAtStart: z.number(),
  /** Attempts in a row, before this one, that ended without a new checkpoint. */
  withoutProgress: z.number().int().nonnegative(),
  /** Attempts so far that failed on their own (not a lost worker). */
  trainerFailures: z.number().int().nonnegative(),
});
export type AttemptLedger = z.infer<typeof attemptLedgerSchema>;

export interface RetryBudget {
  maxAttemptsWithoutProgress: number;
  maxTrainerFailures: number;
}

/** Training is finished: only evaluation is left, and it writes no checkpoints. */
const TRAINED = Number.MAX_SAFE_INTEGER;
const NO_CHECKPOINT = -1;

const trainerStateSchema = z.looseObject({ global_step: z.number().int().nonnegative() });

/**
 * How far the run in `outputDir` has come: the global optimizer step of its newest checkpoint
 * (ml/README.md, "Output dir layout"), `TRAINED` once `train_result.json` exists, -1 before any.
 */
export async function progressMark(outputDir: string): Promise<number> {
  if (await readFile(join(outputDir, 'train_result.json')).then(() => true, () => false)) return TRAINED;
  const checkpointsDir = join(outputDir, 'checkpoints');
  const names = await readdir(checkpointsDir).catch(() => [] as string[]);
  let mark = NO_CHECKPOINT;
  for (const name of names.filter((entry) => /^(epoch|step)-\d+$/.test(entry))) {
    // A checkpoint is complete once its state file exists (it is written last).
    const text = await readFile(join(checkpointsDir, name, 'trainer_state.json'), 'utf8').catch(() => undefined);
    const parsed = text === undefined ? undefined : trainerStateSchema.safeParse(JSON.parse(text));
    if (parsed?.success) mark = Math.max(mark, parsed.data.global_step);
  }
  return mark;
}

/** The ledger the previous attempt left in its heartbeat details, if any. */
function previousLedger(heartbeatDetails: unknown): AttemptLedger | undefined {
  const parsed = z.object({ attempts: attemptLedgerSchema }).safeParse(heartbeatDetails);
  return parsed.success ? parsed.data.attempts : undefined;
}

/**
 * The ledger for attempt `attempt` (1-based) of a run, from the previous attempt's heartbeat details
 * and the progress on disk now. Throws a non-retryable `NoTrainingProgress` when the budget is spent.
 */
export function openAttempt(options: { attempt: number; heartbeatDetails: unknown; progressNow: number; budget: RetryBudget }): AttemptLedger {
  const { attempt, heartbeatDetails, progressNow, budget } = options;
  const previous = attempt > 1 ? previousLedger(heartbeatDetails) : undefined;
  let withoutProgress = 0;
  if (previous) {
    // Attempts after the ledger's own whose ledgers never reached the server ended without progress too, unless the disk says otherwise.
    const endedSince = Math.max(1, attempt - (previous.attempt ?? attempt - 1));
    withoutProgress = progressNow > previous.progressAtStart ? 0 : previous.withoutProgress + endedSince;
  }
  // Earlier attempts that never heartbeated were lost before they could train.
  else if (attempt > 1 && progressNow === NO_CHECKPOINT) withoutProgress = attempt - 1;
  if (withoutProgress >= budget.maxAttemptsWithoutProgress) {
    throw ApplicationFailure.create({
      type: 'NoTrainingProgress',
      nonRetryable: true,
      message:
        `training made no progress in ${withoutProgress} attempts in a row (no new checkpoint since ${describeMark(progressNow)}): ` +
        `each attempt ended (worker lost, preempted or crashed) before it could write one. ` +
        `Set training.checkpointEverySteps or checkpointEveryMinutes so that an attempt saves its progress sooner, ` +
        `or raise training.maxAttemptsWithoutProgress (${budget.maxAttemptsWithoutProgress})`,
    });
  }
  return { attempt, progressAtStart: progressNow, withoutProgress, trainerFailures: previous?.trainerFailures ?? 0 };
}

function describeMark(mark: number): string {
  if (mark === TRAINED) return 'training finished (evaluation did not)';
  if (mark === NO_CHECKPOINT) return 'the start';
  return `the checkpoint at optimizer step ${mark}`;
}

/**
 * Failures that come from outside the training: the trainer stopped on a preemption notice or was
 * killed by a signal, the worker shut down, the attempt timed out. They spend no trainer-failure budget.
 */
const LOST_WORKER_FAILURE_TYPES = new Set(['MlPreempted', 'MlKilled', 'WorkerShutdown']);

/**
 * An attempt's error, counted against the budget it belongs to: returns the ledger to heartbeat and
 * the error to throw (non-retryable once the training has failed on its own `maxTrainerFailures` times).
 */
export function countFailure(ledger: AttemptLedger, error: unknown, budget: RetryBudget): { ledger: AttemptLedger; error: unknown } {
  if (error instanceof CancelledFailure) return { ledger, error };
  if (error instanceof ApplicationFailure && (error.nonRetryable || LOST_WORKER_FAILURE_TYPES.has(error.type ?? ''))) return { ledger, error };
  const counted = { ...ledger, trainerFailures: ledger.trainerFailures + 1 };
  if (counted.trainerFailures < budget.maxTrainerFailures) return { ledger: counted, error };
  const message = error instanceof Error ? error.message : String(error);
  return {
    ledger: counted,
    error: ApplicationFailure.create({
      type: error instanceof ApplicationFailure ? (error.type ?? 'TrainingFailed') : 'TrainingFailed',
      nonRetryable: true,
      message: `training failed on its own ${counted.trainerFailures} times (training.maxTrainerFailures); the last time: ${message}`,
      cause: error instanceof Error ? error : undefined,
    }),
  };
}

/**
 * Runs one attempt of the training activity whose run lives in `outputDir` under its retry budget:
 * refuses to start when the attempts without progress are spent, heartbeats the new ledger before
 * anything else, and counts a failure of the training's own before passing it on. `work` receives
 * the ledger to include, as `attempts`, in every heartbeat it sends (the details of the last one
 * replace the others').
 */
export async function underRetryBudget<Result>(
  outputDir: string,
  training: TrainingSettings,
  details: Record<string, unknown>,
  work: (ledger: AttemptLedger) => Promise<Result>,
): Promise<Result> {
  const context = Context.current();
  const budget: RetryBudget = { maxAttemptsWithoutProgress: training.maxAttemptsWithoutProgress, maxTrainerFailures: training.maxTrainerFailures };
  const ledger = openAttempt({ attempt: context.info.attempt, heartbeatDetails: context.info.heartbeatDetails, progressNow: await progressMark(outputDir), budget });
  // Before anything else, the trainer's spawn included, so that the ledger reaches the server as early as it can.
  context.heartbeat({ ...details, attempts: ledger });
  try {
    return await work(ledger);
  } catch (error) {
    const counted = countFailure(ledger, error, budget);
    // The SDK sends a pending heartbeat before it reports the failure, so the next attempt reads this count.
    if (counted.ledger !== ledger) context.heartbeat({ ...details, attempts: counted.ledger });
    throw counted.error;
  }
}
