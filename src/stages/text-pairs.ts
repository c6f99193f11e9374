/**
 * Text pairs (NLI: premise and hypothesis) through generation: the one line format an LLM writes them
 * in, the dedupe key of a pair, and how a judge is shown one.
 *
 * Line format: `premise ||| hypothesis`, exactly one `|||` per line (src/stages/parse-generations.ts
 * parses replies). A kept pair is stored in generation progress as that line again, so progress stays
 * one string per sample; `splitPairLine` reads it back.
 */
import { normalizeForDedupe } from './normalize';

export const PAIR_SEPARATOR = '|||';

export interface TextPair {
  text: string;
  textPair: string;
}

/** `premise ||| hypothesis`: the reply format and the form a kept pair is stored in. */
export function formatPairLine(pair: TextPair): string {
  return `${pair.text} ${PAIR_SEPARATOR} ${pair.textPair}`;
}

/** The two sides of a line with exactly one separator, trimmed; undefined for any other line. */
export function splitPairLine(line: string): TextPair | undefined {
  const parts = line.split(PAIR_SEPARATOR);
  if (parts.length !== 2) return undefined;
  const [text = '', textPair = ''] = parts.map((part) => part.trim());
  return { text, textPair };
}

/**
 * The key two pairs must share to count as duplicates: both sides normalised as single texts are
 * (normalizeForDedupe), in order: (A, B) and (B, A) are different pairs. Empty when either side
 * normalises to nothing. `|` is not punctuation to the normaliser, and neither side holds `|||`, so the
 * key cannot join two different pairs.
 */
export function pairDedupeKey(pair: TextPair): string {
  const text = normalizeForDedupe(pair.text);
  const textPair = normalizeForDedupe(pair.textPair);
  return text === '' || textPair === '' ? '' : `${text} ${PAIR_SEPARATOR} ${textPair}`;
}

/** A sample's dedupe key: the pair's when it has a second text, else the text's. */
export function dedupeKeyOf(sample: { text: string; textPair?: string | undefined }): string {
  return sample.textPair === undefined ? normalizeForDedupe(sample.text) : pairDedupeKey({ text: sample.text, textPair: sample.textPair });
}

/** How a judge prompt's `candidate` shows a pair: both texts, each on its own line, named. */
export function pairForJudge(pair: TextPair): string {
  return `Premise: ${pair.text}\nHypothesis: ${pair.textPair}`;
}
