import { describe, expect, it } from 'vitest';
import { parseJudgeVerdict } from '../../src/stages/verdict';

describe('parseJudgeVerdict', () => {
  it.each([
    ['Yes. The sentence asks about an alarm.', 'yes', 'The sentence asks about an alarm.'],
    ['NO, it is written in English.', 'no', 'it is written in English.'],
    ['No, although one could say yes', 'no', 'although one could say yes'],
    ['**Yes** it fits the label', 'yes', 'it fits the label'],
    ['  \n> Answer: no - incomplete sentence', 'no', 'incomplete sentence'],
    ['Verdict: **YES**', 'yes', ''],
    ['"No." Wrong language.', 'no', 'Wrong language.'],
    ['yes', 'yes', ''],
  ])('%j -> %s', (reply, verdict, reason) => {
    expect(parseJudgeVerdict(reply)).toEqual({ verdict, reason });
  });

  it.each(['Maybe', 'Yesterday it was fine', 'Nothing wrong here, yes', 'The answer is yes', ''])('%j is unparsed', (reply) => {
    expect(parseJudgeVerdict(reply).verdict).toBe('unparsed');
  });

  it('keeps the whole reply as the reason when unparsed, capped at 500 characters', () => {
    expect(parseJudgeVerdict('  Maybe, hard to say ').reason).toBe('Maybe, hard to say');
    expect(Array.from(parseJudgeVerdict(`Yes ${'ท'.repeat(800)}`).reason)).toHaveLength(500);
  });
});
