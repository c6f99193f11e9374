/**
 * The processes a chaos run kills, found by process tree (never by name, so nothing outside the
 * runner's own tree is touched), and the two ways it kills them: SIGKILL, or SIGTERM with a
 * grace period before SIGKILL.
 */
import { readdirSync, readFileSync } from 'node:fs';

export type KillSignal = 'SIGKILL' | 'SIGTERM';

interface ProcessEntry {
  pid: number;
  parentPid: number;
  state: string;
}

/** `/proc/<pid>/stat`: the command is in parentheses and may hold spaces, so fields are read after its closing one. */
function readProcessEntry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '?', parentPid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** Whether a process runs (a zombie has exited, whatever kill(0) says). */
export function isRunning(pid: number): boolean {
  const entry = readProcessEntry(pid);
  return entry !== undefined && entry.state !== 'Z';
}

export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Every live descendant of `rootPid` (children, their children, …). */
export function descendantsOf(rootPid: number): number[] {
  const entries = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcessEntry(Number(name)))
    .filter((entry): entry is ProcessEntry => entry !== undefined && entry.state !== 'Z');
  const childrenOf = new Map<number, number[]>();
  for (const entry of entries) childrenOf.set(entry.parentPid, [...(childrenOf.get(entry.parentPid) ?? []), entry.pid]);
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const children = childrenOf.get(queue.shift() as number) ?? [];
    found.push(...children);
    queue.push(...children);
  }
  return found;
}

/** The worker's trainer subprocesses: its Python descendants running the ML CLI, with the run folder they train in. */
export function trainerProcessesOf(workerPid: number): { pid: number; commandLine: string }[] {
  return descendantsOf(workerPid)
    .map((pid) => ({ pid, commandLine: commandLineOf(pid) }))
    .filter((process) => process.commandLine.includes('synthlab_ml') && /\b(train|train-evaluate)\b/.test(process.commandLine));
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Waits until `pid` has exited; false after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

export interface KillOutcome {
  /** Whether SIGTERM's grace ran out and SIGKILL followed. */
  escalated: boolean;
  /** Milliseconds from the first signal to the process being gone. */
  exitMs: number;
}

/** SIGKILL, or SIGTERM and SIGKILL after `graceMs` if the process is still there; resolves once it is gone. */
export async function killProcess(pid: number, signal: KillSignal, graceMs: number): Promise<KillOutcome> {
  const startedAt = Date.now();
  try {
    process.kill(pid, signal);
  } catch {
    return { escalated: false, exitMs: 0 };
  }
  let escalated = false;
  if (signal === 'SIGTERM' && !(await waitForExit(pid, graceMs))) {
    escalated = true;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone between the check and the signal.
    }
  }
  if (!(await waitForExit(pid, 30_000))) throw new Error(`process ${pid} is still running 30 s after ${escalated ? 'SIGKILL' : signal}`);
  return { escalated, exitMs: Date.now() - startedAt };
}
