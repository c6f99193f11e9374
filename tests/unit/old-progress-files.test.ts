/**
 * Progress files of the version that rewrote them whole after every request still resume: their
 * entries become the first lines of the append-only logs (the workflow test
 * tests/workflow/llm-concurrency.test.ts resumes a killed generation from one).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOldProgress } from '../../src/activities/generate';
import { readOldJudgements } from '../../src/activities/revise';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'synthlab-old-progress-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const record = (label: string, requestIndex: number) => ({
  label,
  requestIndex,
  messages: [{ role: 'user', content: `write about ${label}` }],
  demosUsed: 0,
  model: 'scripted',
  sampling: { temperature: 0.4, seed: requestIndex },
  reply: `1. a text about ${label} number ${requestIndex}`,
  finishReason: 'stop' as const,
  usage: { promptTokens: 3, completionTokens: 7 },
  parsed: 1,
  newUnique: 1,
});

describe('old-format progress files', () => {
  it("reads this round's requests from a generation's progress.json, without the earlier rounds'", async () => {
    const path = join(directory, 'progress.json');
    const earlierRound = { labels: { sports: { requests: 2, parsed: 2, samples: [] } }, requests: [record('sports', 0), record('sports', 1)] };
    const requests = [record('sports', 0), record('sports', 1), record('sports', 2), record('travel', 0)];
    await writeFile(path, JSON.stringify({ labels: {}, requests }));

    const lines = await readOldProgress(path, earlierRound);
    expect(lines?.map((line) => `${line.label}-${line.requestIndex}`)).toEqual(['sports-2', 'travel-0']);
    expect(lines?.[0]).not.toHaveProperty('newUnique');
    expect(await readOldProgress(join(directory, 'missing.json'), earlierRound)).toBeUndefined();
  });

  it("reads a revision's judgements.json as one line per candidate", async () => {
    const path = join(directory, 'judgements.json');
    await writeFile(path, JSON.stringify({ 'sports-0': { verdict: 'yes', reason: 'fits', reply: 'Yes, fits.' }, 'sports-1': { verdict: 'wrong_script', reason: 'not Latin', reply: '' } }));
    expect(await readOldJudgements(path)).toEqual([
      { id: 'sports-0', verdict: 'yes', reason: 'fits', reply: 'Yes, fits.' },
      { id: 'sports-1', verdict: 'wrong_script', reason: 'not Latin', reply: '' },
    ]);
    expect(await readOldJudgements(join(directory, 'missing.json'))).toBeUndefined();
  });
});
