import type { Example } from '../data/readers';
import { SeededRandom } from '../data/seeded-random';
import { compareText } from '../shared/compare';
import { detectScriptShare } from './script-check';
import { splitGraphemes } from './text-units';

export interface SampleDemosOptions {
  label: string;
  count: number;
  seed: number;
  maxWords: number;
}

/** Graphemes per "word" for text written without spaces. */
export const CHARACTERS_PER_WORD_WITHOUT_SPACES = 6;

/**
 * Truncates to `maxWords` whitespace-separated words. Text that is mostly Thai script (which does
 * not put spaces between words) is instead cut to maxWords × 6 graphemes, so a Thai demo gets
 * roughly the same length budget as a spaced language.
 */
export function truncateToWords(text: string, maxWords: number): string {
  if (detectScriptShare(text, 'Thai') > 0.5) {
    const graphemes = splitGraphemes(text);
    const limit = maxWords * CHARACTERS_PER_WORD_WITHOUT_SPACES;
    return graphemes.length <= limit ? text : graphemes.slice(0, limit).join('').trimEnd();
  }
  const words = text.trim().split(/\s+/u);
  return words.length <= maxWords ? text : words.slice(0, maxWords).join(' ');
}

/**
 * `count` real examples of `label` (all of them when there are fewer), drawn with a seeded
 * shuffle of the label's examples sorted by id: the result depends only on the set of examples,
 * the label and the seed, never on input order. A smaller count gives a prefix of a larger one.
 */
export function sampleDemos(examples: readonly Example[], options: SampleDemosOptions): Example[] {
  const { label, count, seed, maxWords } = options;
  const candidates = examples
    .filter((example) => example.label === label)
    .sort((left, right) => compareText(left.id, right.id) || compareText(left.text, right.text));
  const chosen = new SeededRandom(`demos:${seed}:${label}`).sample(candidates, Math.min(count, candidates.length));
  return chosen.map((example) => ({
    ...example,
    text: truncateToWords(example.text, maxWords),
    ...(example.textPair === undefined ? {} : { textPair: truncateToWords(example.textPair, maxWords) }),
  }));
}
