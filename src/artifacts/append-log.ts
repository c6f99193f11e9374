/**
 * An append-only JSON-lines file of work in progress: one line per finished piece of work (a
 * generation request, a judgement), so saving progress costs one line, not a rewrite of
 * everything done so far. A process killed mid-write leaves at most a torn last line, which
 * opening drops (that piece of work is done again) before anything new is appended.
 */
import { open, readFile, truncate } from 'node:fs/promises';
import type { z } from 'zod';
import { writeFileAtomic } from './store';

export interface AppendLog<T> {
  /** The entries the file held when it was opened, in the order they were written. */
  readonly entries: readonly T[];
  /** Appends one entry as one line; appends are written in call order. */
  append(entry: T): Promise<void>;
  /** Waits for the pending appends and closes the file. */
  close(): Promise<void>;
}

export interface OpenAppendLogOptions<T> {
  /**
   * Called when the file does not exist yet: entries kept by an older format of the same work
   * (undefined when there are none). They become the file's first lines, written atomically.
   */
  migrate?: () => Promise<readonly T[] | undefined>;
}

function linesOf<T>(entries: readonly T[]): string {
  return entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
}

/** Reads the complete lines of `path`; a torn last line (no newline) is cut off the file. */
async function readCompleteLines(path: string): Promise<string[] | undefined> {
  const content = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (content === undefined) return undefined;
  const end = content.lastIndexOf(0x0a) + 1;
  if (end < content.length) await truncate(path, end);
  return content
    .subarray(0, end)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0);
}

export async function openAppendLog<T>(path: string, schema: z.ZodType<T>, options: OpenAppendLogOptions<T> = {}): Promise<AppendLog<T>> {
  let lines = await readCompleteLines(path);
  if (lines === undefined) {
    const migrated = (await options.migrate?.()) ?? [];
    await writeFileAtomic(path, linesOf(migrated));
    lines = migrated.map((entry) => JSON.stringify(entry));
  }
  const entries = lines.map((line, index) => {
    try {
      return schema.parse(JSON.parse(line));
    } catch (error) {
      throw new Error(`${path}, line ${index + 1}: not a valid entry (${error instanceof Error ? error.message : String(error)})`);
    }
  });
  const handle = await open(path, 'a');
  let tail: Promise<void> = Promise.resolve();
  return {
    entries,
    append(entry) {
      const written = tail.then(() => handle.appendFile(linesOf([entry])));
      // A failed append fails its caller; the ones after it still run.
      tail = written.catch(() => undefined);
      return written;
    },
    async close() {
      await tail;
      await handle.close();
    },
  };
}
