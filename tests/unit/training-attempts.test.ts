import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { countFailure, openAttempt, progressMark, type AttemptLedger } from '../../src/activities/training-attempts';

const budget = { maxAttemptsWithoutProgress: 3, maxTrainerFailures: 2 };
const ledger = (fields: Partial<AttemptLedger>): { attempts: AttemptLedger } => ({ attempts: { progressAtStart: -1, withoutProgress: 0, trainerFailures: 0, ...fields } });

describe('progressMark', () => {
  it('is the global step of the newest complete checkpoint, and the end once the result is written', async () => {
    const run = await mkdtemp(join(tmpdir(), 'synthlab-mark-'));
    expect(await progressMark(run)).toBe(-1);
    for (const [name, step] of [['epoch-1', 12], ['step-20', 20]] as const) {
      await mkdir(join(run, 'checkpoints', name), { recursive: true });
      await writeFile(join(run, 'checkpoints', name, 'trainer_state.json'), JSON.stringify({ epoch: 1, global_step: step }));
    }
    // Being written: no state file yet.
    await mkdir(join(run, 'checkpoints', 'step-30'), { recursive: true });
    expect(await progressMark(run)).toBe(20);
    await writeFile(join(run, 'train_result.json'), '{}');
    expect(await progressMark(run)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('openAttempt', () => {
  it('resets the count when a new checkpoint appeared since the previous attempt started', () => {
    const opened = openAttempt({ attempt: 7, heartbeatDetails: ledger({ progressAtStart: 40, withoutProgress: 2, trainerFailures: 1 }), progressNow: 50, budget });
    expect(opened).toEqual({ attempt: 7, progressAtStart: 50, withoutProgress: 0, trainerFailures: 1 });
  });

  it('counts attempts in a row without progress and fails for good, saying so, at the limit', () => {
    expect(openAttempt({ attempt: 3, heartbeatDetails: ledger({ progressAtStart: 40, withoutProgress: 1 }), progressNow: 40, budget }).withoutProgress).toBe(2);
    let thrown: unknown;
    try {
      openAttempt({ attempt: 4, heartbeatDetails: ledger({ progressAtStart: 40, withoutProgress: 2 }), progressNow: 40, budget });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApplicationFailure);
    expect((thrown as ApplicationFailure).type).toBe('NoTrainingProgress');
    expect((thrown as ApplicationFailure).nonRetryable).toBe(true);
    expect((thrown as ApplicationFailure).message).toMatch(/no progress in 3 attempts in a row .*optimizer step 40/);
  });

  it('counts the attempts whose ledgers never reached the server (a worker killed before its first heartbeat arrived)', () => {
    // Attempt 2 wrote the last ledger the server has; attempts 3 and 4 were lost before theirs arrived.
    const lost = openAttempt({ attempt: 5, heartbeatDetails: ledger({ attempt: 2, progressAtStart: -1, withoutProgress: 1 }), progressNow: -1, budget: { ...budget, maxAttemptsWithoutProgress: 10 } });
    expect(lost.withoutProgress).toBe(4);
    // The count the flaky workflow test lost: attempt 3 starts with attempt 1's ledger, after two kills before any checkpoint.
    let thrown: unknown;
    try {
      openAttempt({ attempt: 3, heartbeatDetails: ledger({ attempt: 1, progressAtStart: -1, withoutProgress: 0 }), progressNow: -1, budget: { ...budget, maxAttemptsWithoutProgress: 2 } });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as ApplicationFailure).type).toBe('NoTrainingProgress');
    expect((thrown as ApplicationFailure).message).toMatch(/^training made no progress in 2 attempts in a row \(no new checkpoint since the start\)/);
    // A checkpoint written since that ledger's attempt started is progress, whichever attempt wrote it.
    expect(openAttempt({ attempt: 5, heartbeatDetails: ledger({ attempt: 2, progressAtStart: 30, withoutProgress: 1 }), progressNow: 45, budget }).withoutProgress).toBe(0);
  });

  it('reads a ledger without its attempt (heartbeated before attempts were recorded) as the previous attempt\'s', () => {
    expect(openAttempt({ attempt: 4, heartbeatDetails: ledger({ progressAtStart: 40, withoutProgress: 1 }), progressNow: 40, budget }).withoutProgress).toBe(2);
  });

  it('starts from nothing on the first attempt, whatever the details say', () => {
    expect(openAttempt({ attempt: 1, heartbeatDetails: ledger({ withoutProgress: 2 }), progressNow: -1, budget }).withoutProgress).toBe(0);
  });
});

describe('countFailure', () => {
  const open = { progressAtStart: 10, withoutProgress: 0, trainerFailures: 1 };

  it('spends no budget on a lost worker, a preemption or a cancellation', () => {
    for (const error of [
      ApplicationFailure.create({ type: 'MlPreempted', message: 'preempted' }),
      ApplicationFailure.create({ type: 'MlKilled', message: 'killed' }),
      ApplicationFailure.create({ type: 'WorkerShutdown', message: 'shutdown' }),
      new CancelledFailure('CANCELLED'),
    ]) {
      expect(countFailure(open, error, budget)).toEqual({ ledger: open, error });
    }
  });

  it('counts a crash of the training and makes the last one allowed non-retryable', () => {
    const crash = ApplicationFailure.create({ type: 'MlProcessFailed', message: 'ml train exited with code 1: boom' });
    const counted = countFailure({ ...open, trainerFailures: 0 }, crash, budget);
    expect(counted).toEqual({ ledger: { ...open, trainerFailures: 1 }, error: crash });
    const last = countFailure(open, crash, budget);
    expect(last.ledger.trainerFailures).toBe(2);
    expect(last.error).toBeInstanceOf(ApplicationFailure);
    expect((last.error as ApplicationFailure).nonRetryable).toBe(true);
    expect((last.error as ApplicationFailure).message).toMatch(/failed on its own 2 times .*exited with code 1: boom/);
  });
});
