/**
 * Carries out a kill schedule against a running chaos stack, one kill at a time: waits for the
 * kill's time (at least MIN_GAP_MS after the last restart), for its target to be there (a trainer
 * only exists while a cell trains; an LLM kill waits a while for a request in flight, while the
 * data products are still generating), kills it
 * with its signal (SIGTERM: SIGKILL after the grace period), restarts what died, and logs one
 * line per kill. Stops when the sweep has finished; the kills not done are reported as such.
 *
 * Two rules keep the run about durability rather than about today's retry limits, and both are
 * printed in the kill's line: a worker SIGKILL waits until the data product is recorded (an LLM
 * activity has a 5-minute heartbeat timeout, so a worker SIGKILLed mid-generation stalls
 * generation for 5 minutes before the retry; SIGTERM lets the worker fail its activities at once,
 * and may land anywhere), and no one training run is hit more than
 * `maxKillsPerTraining` times (GPU activities have maximumAttempts 4: a fourth failed attempt
 * fails the cell by design).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { descendantsOf, isRunning, killProcess, trainerProcessesOf, waitForExit } from './processes';
import type { KillTarget, ScheduledKill } from './schedule';
import type { RunStack } from './run-stack';
import type { LlmProxy } from './llm-server';

export interface KillRecord {
  index: number;
  scheduledAtMs: number;
  /** Milliseconds after the sweep started. */
  atMs: number;
  target: KillTarget;
  signal: 'SIGKILL' | 'SIGTERM';
  pid: number;
  /** SIGTERM's grace ran out and SIGKILL followed. */
  escalated: boolean;
  exitMs: number;
  /** Milliseconds from the kill until the target served again (undefined when it never had to, or the sweep ended first). */
  restartMs: number | undefined;
  note: string;
}

export interface KillExecutorOptions {
  stack: RunStack;
  proxy: LlmProxy;
  schedule: readonly ScheduledKill[];
  startedAt: number;
  graceMs: number;
  maxKillsPerTraining: number;
  /** Whether the sweep's data products are all recorded (generation is over). */
  generationDone: () => boolean;
  sweepDone: () => boolean;
  log: (line: string) => void;
}

const MIN_GAP_MS = 5_000;
const LLM_IN_FLIGHT_WAIT_MS = 30_000;
const POLL_MS = 250;

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** The training run folder a trainer's command line names (`--config <run>/train-evaluate-config.json`). */
function runOf(commandLine: string): string {
  const config = /--config (\S+)/.exec(commandLine)?.[1];
  return config ? dirname(config) : commandLine;
}

export function formatKill(record: KillRecord, total: number): string {
  const seconds = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)}s`);
  return (
    `chaos kill ${record.index + 1}/${total}: t=+${seconds(record.atMs)} (scheduled +${seconds(record.scheduledAtMs)}) target=${record.target} ` +
    `signal=${record.signal}${record.escalated ? '+SIGKILL' : ''} pid=${record.pid} exited_after=${seconds(record.exitMs)} restart=${seconds(record.restartMs)}` +
    (record.note ? ` (${record.note})` : '')
  );
}

export async function runKillSchedule(options: KillExecutorOptions): Promise<KillRecord[]> {
  const { stack, schedule, startedAt } = options;
  const done: KillRecord[] = [];
  const hitsByRun = new Map<string, number>();
  const pendingRestarts: Promise<void>[] = [];
  let lastRestartAt = startedAt;
  const now = () => Date.now() - startedAt;

  /** Polls `probe` until it returns a value; undefined when the sweep ended or `timeoutMs` passed. */
  const waitFor = async <T>(probe: () => T | undefined, timeoutMs = Number.POSITIVE_INFINITY): Promise<T | undefined> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (options.sweepDone()) return undefined;
      const value = probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) return undefined;
      await sleep(POLL_MS);
    }
  };

  for (const [index, kill] of schedule.entries()) {
    const due = Math.max(startedAt + kill.atMs, lastRestartAt + MIN_GAP_MS);
    if ((await waitFor(() => (Date.now() >= due ? true : undefined))) === undefined) break;
    const notes: string[] = [];
    let pid: number;
    let afterKill: () => Promise<number | undefined>;
    // A trainer is restarted by the worker's retry, whenever the training slot is free: the next kill need not wait for it.
    let waitForRestart = true;

    if (kill.target === 'worker' && kill.signal === 'SIGKILL') {
      if (!options.generationDone()) {
        notes.push('waited for the data product');
        if ((await waitFor(() => (options.generationDone() ? true : undefined))) === undefined) break;
      }
    }
    if (kill.target === 'worker') {
      // Let a training run that already took its share of kills finish first: between two attempts
      // (the retry's backoff) it has no trainer process, so finished means its train_result.json is written.
      const overBudget = () =>
        [...hitsByRun].find(([run, hits]) => hits >= options.maxKillsPerTraining && !existsSync(join(run, 'train_result.json')));
      if (overBudget()) {
        notes.push('waited for a training run at its kill budget to finish');
        await waitFor(() => (overBudget() ? undefined : true), 600_000);
        if (options.sweepDone()) break;
      }
      pid = stack.workerPid;
      const trainers = trainerProcessesOf(pid);
      for (const trainer of trainers) hitsByRun.set(runOf(trainer.commandLine), (hitsByRun.get(runOf(trainer.commandLine)) ?? 0) + 1);
      notes.push(trainers.length > 0 ? `mid-training, ${trainers.length} trainer(s) with it` : 'no trainer running');
      const children = descendantsOf(pid);
      afterKill = async () => {
        // Its trainers notice the dead parent and stop (SYNTHLAB_PARENT_PID); any left are ours to end.
        for (const child of children) if (!(await waitForExit(child, 20_000)) && isRunning(child)) process.kill(child, 'SIGKILL');
        const restartFrom = Date.now();
        await stack.startWorker();
        return Date.now() - restartFrom;
      };
    } else if (kill.target === 'trainer') {
      const trainer = await waitFor(() =>
        trainerProcessesOf(stack.workerPid).find((candidate) => (hitsByRun.get(runOf(candidate.commandLine)) ?? 0) < options.maxKillsPerTraining),
      );
      if (trainer === undefined) break;
      pid = trainer.pid;
      const run = runOf(trainer.commandLine);
      hitsByRun.set(run, (hitsByRun.get(run) ?? 0) + 1);
      notes.push(`training run ${run.split('/').pop()?.slice(0, 12)}, kill ${hitsByRun.get(run)} of that run`);
      waitForRestart = false;
      afterKill = async () => {
        // The worker retries the activity: restarted means a new trainer on the same run.
        const restartFrom = Date.now();
        const again = await waitFor(() => trainerProcessesOf(stack.workerPid).find((candidate) => candidate.pid !== pid && runOf(candidate.commandLine) === run), 300_000);
        return again === undefined ? undefined : Date.now() - restartFrom;
      };
    } else if (kill.target === 'llm') {
      // Once the data products are recorded no request will come: waiting for one only spends the
      // time that the kills after this one need (a sweep of this config now takes under 2 minutes).
      const generating = !options.generationDone();
      const inFlight = generating ? await waitFor(() => (options.proxy.inFlight() > 0 ? options.proxy.inFlight() : undefined), LLM_IN_FLIGHT_WAIT_MS) : undefined;
      if (options.sweepDone()) break;
      notes.push(
        inFlight !== undefined
          ? `mid-generation, ${inFlight} request(s) in flight`
          : generating
            ? 'no request in flight (killed at random)'
            : 'after generation, no request to wait for (killed at random)',
      );
      pid = stack.llmPid;
      afterKill = async () => {
        const restartFrom = Date.now();
        await stack.startLlm();
        return Date.now() - restartFrom;
      };
    } else {
      pid = stack.server.pid;
      afterKill = async () => {
        const restartFrom = Date.now();
        await stack.startServer();
        return Date.now() - restartFrom;
      };
    }

    const atMs = now();
    try {
      const outcome = await killProcess(pid, kill.signal, options.graceMs);
      const record: KillRecord = { index, scheduledAtMs: kill.atMs, atMs, target: kill.target, signal: kill.signal, pid, ...outcome, restartMs: undefined, note: notes.join('; ') };
      done.push(record);
      const restarted = afterKill().then((restartMs) => {
        record.restartMs = restartMs;
        options.log(formatKill(record, schedule.length));
      });
      if (waitForRestart) await restarted;
      else pendingRestarts.push(restarted);
    } catch (error) {
      // The run goes on: the sweep may still finish, and the comparison says what this cost.
      options.log(`chaos kill ${index + 1}/${schedule.length}: ${kill.target} ${kill.signal} pid=${pid} at t=+${(atMs / 1000).toFixed(1)}s failed: ${(error as Error).message}`);
    }
    lastRestartAt = Date.now();
  }
  await Promise.all(pendingRestarts);
  return done.sort((left, right) => left.index - right.index);
}
