import { countGraphemes } from './text-units';
import { PAIR_SEPARATOR, type TextPair } from './text-pairs';

export type DropReason = 'preamble' | 'too_short' | 'too_long' | 'truncated' | 'empty' | 'meta' | 'not_a_pair';

export interface ParseGenerationsOptions {
  /** Bounds in graphemes (user-perceived characters), inclusive. */
  minChars?: number;
  maxChars?: number;
  finishReason: 'stop' | 'length' | 'other';
  /** The label the samples were requested for; a leading "label:" echo is stripped. */
  label?: string;
}

export interface ParsedGenerations {
  kept: string[];
  dropped: { line: string; reason: DropReason }[];
}

const QUOTE_CHARS = '"\'“”‘’‚‛«»„‟‹›「」『』＂〝〞';
const QUOTE_CLASS = `[${QUOTE_CHARS}]`;
/** Quotes that never occur inside a word (unlike the apostrophe in "Mae'r" or "don't"). */
const DOUBLE_QUOTE_CLASS = '["“”„‟«»「」『』＂〝〞]';

// A number followed by "." or ":" only counts as numbering before whitespace ("3.5 km" is text).
const NUMBERING = /^(?:\(\s*\p{Nd}+\s*\)|\[\s*\p{Nd}+\s*\]|#\s*\p{Nd}+\s*[.):\-–]?|\p{Nd}+\s*[.)\]:\-–](?=\s|$))\s*/u;
const BULLET = /^(?:[•–—·▪●◦‣►➤✓✔]\s*|[-*+]\s+)/u;
const LABEL_ECHO =
  /^(?:sample|example|sentence|text|utterance|query|output|review|item|question|statement|response)\s*(?:#?\s*\p{Nd}+)?\s*[:.)\-–]\s*/iu;
const MARKDOWN_EMPHASIS = /^(?:\*\*|__)(.*?)(?:\*\*|__)(.*)$/u;
const MARKDOWN_ITALIC = /^[*_]([^*_]+)[*_]$/u;

const PREAMBLE_START =
  /^(?:here\s+(?:are|is)|here's|sure|certainly|of\s+course|okay|ok[,!.]|absolutely|below\s+(?:are|is)|i\s+(?:have|'ve)\s+(?:generated|written|created)|the\s+following|as\s+requested)\b/iu;
const META_START =
  /^(?:notes?\s*:|translation\s*:|\((?:translation|note|english)\b|i\s+hope\s+(?:these|this|that|you)\b|let\s+me\s+know|feel\s+free|these\s+(?:sentences|samples|examples)\b|all\s+(?:sentences|samples)\b|please\s+note|disclaimer\s*:)/iu;
const FORMATTING_ONLY = /^(?:```.*|-{3,}|\*{3,}|_{3,}|#{1,6}\s.*|={3,})$/u;

/**
 * Splits an LLM reply into candidate samples, one per line. Whitespace-only lines are skipped
 * silently; every other line ends up either kept (cleaned) or dropped with a reason.
 */
export function parseGeneratedLines(raw: string, options: ParseGenerationsOptions): ParsedGenerations {
  const { minChars = 10, maxChars = 100, finishReason, label } = options;
  const lines = raw.split(/\r?\n/u).filter((line) => line.trim() !== '');
  const kept: string[] = [];
  const dropped: ParsedGenerations['dropped'] = [];

  lines.forEach((line, index) => {
    const isLast = index === lines.length - 1;
    if (isLast && finishReason === 'length') {
      dropped.push({ line, reason: 'truncated' });
      return;
    }
    const trimmed = line.trim();
    if (FORMATTING_ONLY.test(trimmed)) {
      dropped.push({ line, reason: 'meta' });
      return;
    }
    const withoutMarkers = stripListMarkers(trimmed, label);
    // "Sure, …" or "Here is …" can open a real English sample, so those only count as a
    // preamble before the first kept sample; a line ending with ':' is a preamble anywhere.
    const beforeFirstSample = kept.length === 0;
    if (/[:：]$/u.test(withoutMarkers) || (beforeFirstSample && PREAMBLE_START.test(withoutMarkers))) {
      dropped.push({ line, reason: 'preamble' });
      return;
    }
    if (META_START.test(withoutMarkers)) {
      dropped.push({ line, reason: 'meta' });
      return;
    }
    const text = stripSurroundingQuotes(withoutMarkers);
    if (text === '') {
      dropped.push({ line, reason: 'empty' });
      return;
    }
    const length = countGraphemes(text);
    if (length < minChars) dropped.push({ line, reason: 'too_short' });
    else if (length > maxChars) dropped.push({ line, reason: 'too_long' });
    else kept.push(text);
  });
  return { kept, dropped };
}

export interface ParsedPairs {
  kept: TextPair[];
  dropped: { line: string; reason: DropReason }[];
}

/** "Premise:" / "Hypothesis:" echoed before a side. */
const SIDE_ECHO = /^(?:premise|hypothesis|sentence\s*[12ab]|text\s*[12ab])\s*[:：\-–]\s*/iu;

/**
 * Splits an LLM reply into (premise, hypothesis) pairs, one per line in the strict format
 * `premise ||| hypothesis` (src/stages/text-pairs.ts). Numbering, bullets, markdown emphasis and a
 * label echo before the line are stripped as for single texts; then the line must hold exactly one
 * `|||` (else `not_a_pair`, or `preamble`/`meta` for such lines). Each side loses a "Premise:" or
 * "Hypothesis:" echo and surrounding quotes, and must be `minChars`..`maxChars` graphemes long on its
 * own (`too_short`/`too_long` for the first side out of bounds, `empty` for an empty side). The last
 * line of a reply cut off by the token limit is dropped (`truncated`).
 */
export function parseGeneratedPairs(raw: string, options: ParseGenerationsOptions): ParsedPairs {
  const { minChars = 10, maxChars = 100, finishReason, label } = options;
  const lines = raw.split(/\r?\n/u).filter((line) => line.trim() !== '');
  const kept: TextPair[] = [];
  const dropped: ParsedPairs['dropped'] = [];

  lines.forEach((line, index) => {
    const drop = (reason: DropReason) => dropped.push({ line, reason });
    if (index === lines.length - 1 && finishReason === 'length') return drop('truncated');
    const trimmed = line.trim();
    if (FORMATTING_ONLY.test(trimmed)) return drop('meta');
    const withoutMarkers = stripListMarkers(trimmed, label);
    const sides = withoutMarkers.split(PAIR_SEPARATOR);
    if (sides.length !== 2) {
      if (sides.length === 1 && (/[:：]$/u.test(withoutMarkers) || (kept.length === 0 && PREAMBLE_START.test(withoutMarkers)))) return drop('preamble');
      if (sides.length === 1 && META_START.test(withoutMarkers)) return drop('meta');
      return drop('not_a_pair');
    }
    const [text = '', textPair = ''] = sides.map((side) => stripSurroundingQuotes(stripListMarkers(side.trim(), undefined).replace(SIDE_ECHO, '')));
    if (text === '' || textPair === '') return drop('empty');
    const lengths = [countGraphemes(text), countGraphemes(textPair)];
    if (lengths.some((length) => length < minChars)) return drop('too_short');
    if (lengths.some((length) => length > maxChars)) return drop('too_long');
    kept.push({ text, textPair });
  });
  return { kept, dropped };
}

/** Removes numbering, bullets, markdown emphasis around a prefix, and "Sample 3:" echoes, repeatedly. */
function stripListMarkers(text: string, label: string | undefined): string {
  const labelEcho = label ? new RegExp(`^${escapeRegExp(label)}\\s*[:\\-–]\\s*`, 'iu') : undefined;
  let current = text;
  for (;;) {
    let next = current.replace(NUMBERING, '').replace(BULLET, '');
    const emphasis = MARKDOWN_EMPHASIS.exec(next);
    if (emphasis) {
      const [, inner = '', rest = ''] = emphasis;
      // "**Sample 1:** text" keeps only the text; "**Whole sentence**" keeps the sentence.
      const innerStripped = stripListMarkers(inner, label);
      next = rest.trim() === '' ? innerStripped : `${innerStripped} ${rest.trim()}`.trim();
    }
    next = next.replace(MARKDOWN_ITALIC, '$1').replace(LABEL_ECHO, '');
    if (labelEcho) next = next.replace(labelEcho, '');
    next = next.trim();
    if (next === current) return current;
    current = next;
  }
}

function stripSurroundingQuotes(text: string): string {
  let current = text.trim();
  for (;;) {
    let next = current;
    const paired = new RegExp(`^${QUOTE_CLASS}+(.*?)${QUOTE_CLASS}+([.!?。]?)$`, 'u').exec(next);
    // Only when the inner text holds no further double quote: '"A" she said "B"' stays whole.
    if (paired && !new RegExp(DOUBLE_QUOTE_CLASS, 'u').test(paired[1] ?? '')) {
      next = `${paired[1] ?? ''}${paired[2] ?? ''}`.trim();
    } else {
      const doubleQuote = new RegExp(DOUBLE_QUOTE_CLASS, 'gu');
      const doubleQuoteCount = (next.match(doubleQuote) ?? []).length;
      // A lone opening or closing double quote (the other one lost) is removed too.
      if (doubleQuoteCount === 1) {
        next = next.replace(new RegExp(`^${DOUBLE_QUOTE_CLASS}|${DOUBLE_QUOTE_CLASS}$`, 'u'), '').trim();
      }
    }
    if (next === current) return current;
    current = next;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
