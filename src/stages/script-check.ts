import type { ScriptName } from '../data/languages';

const SCRIPT_LETTER_PATTERNS: Record<ScriptName, RegExp> = {
  Latin: /\p{Script=Latin}/u,
  Hebrew: /\p{Script=Hebrew}/u,
  Telugu: /\p{Script=Telugu}/u,
  Thai: /\p{Script=Thai}/u,
  Devanagari: /\p{Script=Devanagari}/u,
  Arabic: /\p{Script=Arabic}/u,
};

// Vowel signs of Thai and Telugu are marks (\p{M}) that belong to their script, so they count as
// letters; generic combining marks (Script=Inherited, e.g. U+0301) belong to no script and are skipped.
const LETTER = /[\p{L}\p{M}]/u;
const INHERITED = /\p{Script=Inherited}/u;

/** Share of letters (incl. script-specific marks) written in `script`; digits and punctuation are not counted. 0 when there are no letters. */
export function detectScriptShare(text: string, script: ScriptName): number {
  const pattern = SCRIPT_LETTER_PATTERNS[script];
  let letters = 0;
  let inScript = 0;
  for (const char of text) {
    if (!LETTER.test(char) || INHERITED.test(char)) continue;
    letters += 1;
    if (pattern.test(char)) inScript += 1;
  }
  return letters === 0 ? 0 : inScript / letters;
}

export function isInExpectedScript(text: string, script: ScriptName, minShare = 0.6): boolean {
  return detectScriptShare(text, script) >= minShare;
}
