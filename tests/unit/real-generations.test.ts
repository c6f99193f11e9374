/**
 * The generation parser on real replies of the local model (recorded by
 * tests/fixtures/record-generations.ts) in four scripts: Latin (Welsh), Hebrew, Thai, Telugu.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countGraphemes } from '../../src/stages/text-units';
import { parseGeneratedLines } from '../../src/stages/parse-generations';

const fixture = (code: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'generations', `${code}.json`), 'utf8')) as {
    reply: string;
    finishReason: 'stop' | 'length' | 'other';
  };

describe.each(['cy', 'he', 'th', 'te'])('real local-model output (%s)', (code) => {
  it('keeps only clean lines of 10–100 characters and accounts for every other line', () => {
    const { reply, finishReason } = fixture(code);
    const parsed = parseGeneratedLines(reply, { minChars: 10, maxChars: 100, finishReason });
    const nonBlank = reply.split('\n').filter((line) => line.trim() !== '');
    expect(parsed.kept.length + parsed.dropped.length).toBe(nonBlank.length);
    for (const line of parsed.kept) {
      expect(countGraphemes(line)).toBeGreaterThanOrEqual(10);
      expect(countGraphemes(line)).toBeLessThanOrEqual(100);
      expect(line).not.toMatch(/^\s*(\d+[.)]|[-*•])\s/u);
      expect(line).not.toMatch(/^["“«]|["”»]$/u);
      expect(line).toBe(line.trim());
    }
    if (finishReason === 'length') {
      const lastLine = nonBlank.at(-1)!;
      expect(parsed.kept).not.toContain(lastLine.trim());
    }
  });
});
