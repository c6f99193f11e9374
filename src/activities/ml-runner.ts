/**
 * Runs the Python ML CLI (`python -m synthlab_ml <command> --config <file>`) as a subprocess.
 * Its stdout is JSON lines of progress; the last `done` event is the result. The ML code knows
 * nothing about Temporal: the calling activity heartbeats from these events.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import { writeFileAtomic } from '../artifacts/store';
import { mlPython } from '../infra/paths';

export const mlEventSchema = z.looseObject({ event: z.string() });
export type MlEvent = z.infer<typeof mlEventSchema>;

export interface RunMlOptions {
  command: 'train' | 'train-evaluate' | 'predict' | 'embed';
  config: Record<string, unknown>;
  configPath: string;
  /** Torch CPU threads for the subprocess. */
  threads?: number;
  onEvent?: (event: MlEvent) => void;
  /**
   * Called at start, on every event and every few seconds while the subprocess lives: importing
   * torch alone can outlast a short heartbeat timeout, and so can one epoch of a large model.
   */
  heartbeat?: () => void;
  /** The activity's cancellation: SIGTERM, then SIGKILL after `killGraceMs`. */
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL when cancelled. */
  killGraceMs?: number;
  /**
   * The worker's preemption notice: the trainer gets SIGTERM, checkpoints the step it reached and
   * exits with PREEMPTED_EXIT_CODE, and this call fails retryably so that another worker continues.
   */
  preemption?: AbortSignal;
}

export interface MlRunResult {
  events: MlEvent[];
  done: MlEvent;
}

/** The SDK throttles heartbeats itself; this only has to be well inside the shortest timeout. */
const HEARTBEAT_INTERVAL_MS = 5_000;

/** Time between SIGTERM and SIGKILL when the activity is cancelled (`killGraceMs` unless set). */
export const DEFAULT_KILL_GRACE_MS = 10_000;

/** Exit code 2 is the CLI's "bad input" code: retrying cannot help. */
const BAD_INPUT_EXIT_CODE = 2;
/** The CLI stopped on a preemption notice (SIGTERM) after saving its progress: run it again to continue. */
export const PREEMPTED_EXIT_CODE = 75;

/** Cancelled by the workflow (not by the worker shutting down, a timeout or a reset): the only cancellation that must not be retried. */
function cancelledByWorkflow(reason: unknown): boolean {
  return reason instanceof CancelledFailure && reason.message === 'CANCELLED';
}

export async function runMlCommand(options: RunMlOptions): Promise<MlRunResult> {
  await writeFileAtomic(options.configPath, JSON.stringify(options.config, null, 2));
  const child = spawn(mlPython, ['-m', 'synthlab_ml', options.command, '--config', options.configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE ?? '1',
      PYTHONUNBUFFERED: '1',
      // The CLI exits when this process dies, so a killed worker leaves no orphan trainer behind.
      SYNTHLAB_PARENT_PID: String(process.pid),
      ...(options.threads !== undefined ? { SYNTHLAB_TORCH_THREADS: String(options.threads) } : {}),
    },
  });
  const events: MlEvent[] = [];
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4_000);
  });

  const onAbort = () => {
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS).unref();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const onPreemption = () => child.kill('SIGTERM');
  if (options.preemption?.aborted) onPreemption();
  else options.preemption?.addEventListener('abort', onPreemption, { once: true });

  options.heartbeat?.();
  const keepAlive = options.heartbeat ? setInterval(options.heartbeat, HEARTBEAT_INTERVAL_MS) : undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    let parsed: MlEvent;
    try {
      parsed = mlEventSchema.parse(JSON.parse(line));
    } catch {
      stderrTail = (stderrTail + `\n[stdout, not JSON] ${line}`).slice(-4_000);
      return;
    }
    events.push(parsed);
    options.onEvent?.(parsed);
    options.heartbeat?.();
  });

  let exitSignal: NodeJS.Signals | null = null;
  const exitCode = await new Promise<number | null>((resolveExit, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      exitSignal = signal;
      resolveExit(code);
    });
  }).finally(() => clearInterval(keepAlive));
  options.signal?.removeEventListener('abort', onAbort);
  options.preemption?.removeEventListener('abort', onPreemption);

  if (options.signal?.aborted) {
    if (cancelledByWorkflow(options.signal.reason)) {
      throw ApplicationFailure.create({ type: 'MlCancelled', message: `ml ${options.command} was cancelled`, nonRetryable: true });
    }
    // The worker is shutting down (or the attempt timed out): another attempt continues from the last checkpoint.
    const reason = options.signal.reason instanceof Error ? options.signal.reason.message : String(options.signal.reason);
    throw ApplicationFailure.create({ type: 'WorkerShutdown', message: `ml ${options.command} was stopped (${reason}); a new attempt resumes from its last checkpoint` });
  }
  if (exitCode === BAD_INPUT_EXIT_CODE) {
    throw ApplicationFailure.create({ type: 'MlConfigError', message: `ml ${options.command} rejected its input: ${stderrTail.trim()}`, nonRetryable: true });
  }
  if (exitCode === PREEMPTED_EXIT_CODE || (options.preemption?.aborted && exitCode !== 0)) {
    const notice = events.findLast((event) => event.event === 'preempted');
    const where = typeof notice?.global_step === 'number' ? ` at optimizer step ${notice.global_step}` : '';
    throw ApplicationFailure.create({ type: 'MlPreempted', message: `ml ${options.command} stopped on a preemption notice with its progress saved${where}; a new attempt resumes there` });
  }
  const done = events.findLast((event) => event.event === 'done');
  if (exitSignal !== null) {
    throw ApplicationFailure.create({
      type: 'MlKilled',
      message: `ml ${options.command} was killed by ${String(exitSignal)}${exitSignal === 'SIGKILL' ? ' (out of memory, or killed by hand)' : ''}: ${stderrTail.trim().slice(-1_500)}`,
    });
  }
  if (exitCode !== 0 || !done) {
    throw ApplicationFailure.create({ type: 'MlProcessFailed', message: `ml ${options.command} exited with code ${exitCode}: ${stderrTail.trim().slice(-1_500)}` });
  }
  return { events, done };
}
