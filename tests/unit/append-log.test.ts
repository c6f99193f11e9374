import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openAppendLog } from '../../src/artifacts/append-log';

const entrySchema = z.strictObject({ id: z.number().int(), text: z.string() });
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'synthlab-append-log-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('openAppendLog', () => {
  it('appends one line per entry and reads them back in order', async () => {
    const path = join(directory, 'work', 'log.jsonl');
    const log = await openAppendLog(path, entrySchema);
    expect(log.entries).toEqual([]);
    await Promise.all(Array.from({ length: 50 }, (_, id) => log.append({ id, text: `entry ${id}` })));
    await log.close();

    const reopened = await openAppendLog(path, entrySchema);
    expect(reopened.entries.map((entry) => entry.id)).toEqual(Array.from({ length: 50 }, (_, id) => id));
    await reopened.close();
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(51);
  });

  it('drops a torn last line, as a killed process leaves it, before appending', async () => {
    const path = join(directory, 'log.jsonl');
    await writeFile(path, '{"id":0,"text":"a"}\n{"id":1,"te');
    const log = await openAppendLog(path, entrySchema);
    expect(log.entries).toEqual([{ id: 0, text: 'a' }]);
    await log.append({ id: 1, text: 'b' });
    await log.close();
    expect(await readFile(path, 'utf8')).toBe('{"id":0,"text":"a"}\n{"id":1,"text":"b"}\n');
  });

  it('names the file and line of an entry that does not parse', async () => {
    const path = join(directory, 'log.jsonl');
    await writeFile(path, '{"id":0,"text":"a"}\n{"id":"x"}\n');
    await expect(openAppendLog(path, entrySchema)).rejects.toThrow(`${path}, line 2: not a valid entry`);
  });

  it('starts a missing file with the entries an older format held, once', async () => {
    const path = join(directory, 'log.jsonl');
    let migrations = 0;
    const migrate = async () => {
      migrations += 1;
      return [{ id: 7, text: 'old' }];
    };
    const first = await openAppendLog(path, entrySchema, { migrate });
    await first.append({ id: 8, text: 'new' });
    await first.close();
    const second = await openAppendLog(path, entrySchema, { migrate });
    await second.close();
    expect(migrations).toBe(1);
    expect(second.entries).toEqual([
      { id: 7, text: 'old' },
      { id: 8, text: 'new' },
    ]);
  });

  it('keeps appending after a write that another process made', async () => {
    const path = join(directory, 'log.jsonl');
    const log = await openAppendLog(path, entrySchema);
    await log.append({ id: 0, text: 'a' });
    await appendFile(path, '{"id":1,"text":"b"}\n');
    await log.append({ id: 2, text: 'c' });
    await log.close();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(3);
  });
});
