/** Looking at real processes and files from tests: trainer subprocesses, polling with a deadline. */
import { readdirSync, readFileSync } from 'node:fs';

/** Whether a process runs; a zombie answers kill(0) but has exited all the same. */
export function isLiveProcess(pid: number | string): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes whose command line mentions `runDir`. */
export function trainerPids(runDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(runDir) && isLiveProcess(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Live processes of this user whose environment holds `entry` (`NAME=value`): a process tree marked by the variable it inherits. */
export function pidsWithEnvironment(entry: string): number[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry) && isLiveProcess(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Polls `probe` (sync or async) until it returns a value, or fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}
