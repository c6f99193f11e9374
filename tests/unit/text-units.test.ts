import { describe, expect, it } from 'vitest';
import { countGraphemes, splitGraphemes } from '../../src/stages/text-units';

describe('countGraphemes', () => {
  it('counts what the grapheme segmenter counts, on the fast path and off it', () => {
    const texts = [
      'Plain ASCII, with punctuation: "quotes" & ~tildes~!',
      'Ça coûte 5 € — naïve façade, Øresund, ß, Łódź, ǅ, ɐ',
      'cafe\u0301 with a combining accent',
      'ใกล้ ที่นี่',
      'కొను రేపు',
      '👍🏽 family 👨‍👩‍👧 and flags 🇨🇾',
      'line\r\nbreak',
      '',
    ];
    for (const text of texts) expect(countGraphemes(text)).toBe(splitGraphemes(text).length);
    expect(countGraphemes('cafe\u0301')).toBe(4);
    expect(countGraphemes('naïve')).toBe(5);
  });
});
