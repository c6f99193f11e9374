/**
 * Translate-train's pure logic: a batch of texts shown as numbered lines, the reply parsed
 * strictly back into one translation per number, and each translation checked before it is kept.
 * A pair (NLI) travels as `premise ||| hypothesis` and must come back with exactly one `|||`.
 */
import type { ScriptName } from '../data/languages';
import { normalizeForDedupe } from './normalize';
import { isInExpectedScript } from './script-check';

export const PAIR_SEPARATOR = '|||';

/** A text to translate (and its pair's second text for NLI). */
export interface TranslationItem {
  text: string;
  textPair?: string | undefined;
}

/** Why a translation was not kept. */
export type TranslationDropReason = 'empty' | 'garbled' | 'unchanged' | 'wrong_script';
export const TRANSLATION_DROP_REASONS: readonly TranslationDropReason[] = ['empty', 'garbled', 'unchanged', 'wrong_script'];

export type ParsedTranslation = { kind: 'translated'; text: string; textPair?: string } | { kind: 'dropped'; reason: TranslationDropReason; line?: string };

/** A text on one line: newlines and runs of spaces become one space (the numbered format is one item per line). */
function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** The items as the prompt's numbered lines: `1. text` or `1. premise ||| hypothesis`. */
export function numberedItems(items: readonly TranslationItem[]): string {
  return items.map((item, index) => `${index + 1}. ${item.textPair === undefined ? oneLine(item.text) : `${oneLine(item.text)} ${PAIR_SEPARATOR} ${oneLine(item.textPair)}`}`).join('\n');
}

const NUMBERED_LINE = /^\s*(?:\*\*)?(\d{1,4})(?:\*\*)?\s*[.)]\s?(.*)$/u;

function stripQuotes(text: string): string {
  const trimmed = text.trim();
  const quoted = /^(["“«„'])(.*)(["”»"'])$/u.exec(trimmed);
  return quoted ? (quoted[2] ?? '').trim() : trimmed;
}

/**
 * One result per item, in order. Only lines that start with a number are read (a preamble or a
 * closing remark is ignored); a number outside 1..count is ignored too. An item whose number is
 * missing or given twice is `garbled`; one whose line is blank is `empty`; a pair whose line does
 * not hold exactly one `|||` with text on both sides is `garbled` (a blank side: `empty`); a single
 * text that holds a `|||` is `garbled`. When the reply was cut off by the token limit, the last
 * numbered line may be cut: it is `garbled`.
 */
export function parseNumberedTranslations(reply: string, count: number, options: { pairs: boolean; finishReason?: string | undefined }): ParsedTranslation[] {
  const lines = new Map<number, string[]>();
  let lastNumber: number | undefined;
  for (const line of reply.split(/\r?\n/u)) {
    const match = NUMBERED_LINE.exec(line);
    if (!match) continue;
    const number = Number(match[1]);
    if (number < 1 || number > count) continue;
    lines.set(number, [...(lines.get(number) ?? []), match[2] ?? '']);
    lastNumber = number;
  }
  return Array.from({ length: count }, (_, index): ParsedTranslation => {
    const number = index + 1;
    const found = lines.get(number);
    if (found === undefined || found.length !== 1) return { kind: 'dropped', reason: 'garbled', ...(found ? { line: found.join('\n') } : {}) };
    const line = found[0] as string;
    if (options.finishReason === 'length' && number === lastNumber) return { kind: 'dropped', reason: 'garbled', line };
    const sides = line.split(PAIR_SEPARATOR);
    if (!options.pairs) {
      if (sides.length !== 1) return { kind: 'dropped', reason: 'garbled', line };
      const text = stripQuotes(line);
      return text === '' ? { kind: 'dropped', reason: 'empty', line } : { kind: 'translated', text };
    }
    if (sides.length !== 2) return { kind: 'dropped', reason: line.trim() === '' ? 'empty' : 'garbled', line };
    const [text = '', textPair = ''] = sides.map(stripQuotes);
    if (text === '' || textPair === '') return { kind: 'dropped', reason: 'empty', line };
    return { kind: 'translated', text, textPair };
  });
}

/**
 * Whether a parsed translation is kept: a copy of its source (normalised, either side of a pair)
 * is `unchanged` (for a pair: either side), and one not written in the target language's script
 * (src/stages/script-check.ts, the generation checks' test) is `wrong_script`.
 */
export function checkTranslation(source: TranslationItem, translated: { text: string; textPair?: string | undefined }, targetScript: ScriptName): TranslationDropReason | undefined {
  const sides: [string, string | undefined][] = [[source.text, translated.text]];
  if (source.textPair !== undefined) sides.push([source.textPair, translated.textPair]);
  for (const [, text] of sides) {
    if (text === undefined || text.trim() === '') return 'empty';
  }
  if (sides.some(([from, to]) => normalizeForDedupe(from) === normalizeForDedupe(to as string))) return 'unchanged';
  if (sides.some(([, to]) => !isInExpectedScript(to as string, targetScript))) return 'wrong_script';
  return undefined;
}
