// Zero-width space, word joiner, BOM and soft hyphen carry no meaning for duplicate detection.
// ZWJ/ZWNJ are kept: they are part of Persian and Indic spelling.
const INVISIBLE_CHARACTERS = /[\u200B\u2060\uFEFF\u00AD]/gu;
const PUNCTUATION = /\p{P}/gu;

/**
 * The key two samples must share to count as duplicates: NFKC, lower case (locale-independent),
 * punctuation (quotes included) replaced by spaces, whitespace collapsed. Combining marks (\p{M})
 * are kept, so Thai and Telugu words that differ only in a vowel sign stay distinct.
 */
export function normalizeForDedupe(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(INVISIBLE_CHARACTERS, '')
    .replace(PUNCTUATION, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}
