const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Printable ASCII and Latin letters up to U+02FF: no character there joins a neighbour into one
 * grapheme (combining marks start at U+0300), so such a text has as many graphemes as code units
 * and the segmenter, which costs tens of microseconds a line, is not needed.
 */
const ONE_UNIT_PER_GRAPHEME = /^[\x20-\x7e\u00a0-\u02ff]*$/u;

/** User-perceived characters, so a Thai or Telugu consonant with its vowel signs counts once. */
export function splitGraphemes(text: string): string[] {
  return Array.from(graphemeSegmenter.segment(text), (segment) => segment.segment);
}

export function countGraphemes(text: string): number {
  if (ONE_UNIT_PER_GRAPHEME.test(text)) return text.length;
  let count = 0;
  for (const _segment of graphemeSegmenter.segment(text)) count += 1;
  return count;
}
