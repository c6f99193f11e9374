export interface JudgeVerdict {
  verdict: 'yes' | 'no' | 'unparsed';
  reason: string;
}

export const MAX_REASON_CHARS = 500;

// Markdown emphasis, block quotes, headings, list bullets, quotes and brackets that may wrap the answer.
const LEADING_DECORATION = /^[\s*_#>`"'“”‘’«»„()[\]-]+/u;
const ANSWER_PREFIX = /^(?:final\s+)?(?:answer|verdict|decision|response|judg(?:e)?ment|output)\s*[:：\-–]\s*/iu;
const LEADING_VERDICT = /^(yes|no)(?![\p{L}\p{N}])/iu;
const SEPARATOR_AFTER_VERDICT = /^[\s*_`"'“”‘’.,;:!\-–—)\]]+/u;

/**
 * The verdict is the reply's first word after decoration and "Answer:"-style prefixes, so
 * "No, although it says yes…" is a rejection. Anything else is 'unparsed' (callers reject it).
 */
export function parseJudgeVerdict(reply: string): JudgeVerdict {
  let text = reply;
  for (;;) {
    const next = text.replace(LEADING_DECORATION, '').replace(ANSWER_PREFIX, '');
    if (next === text) break;
    text = next;
  }
  const match = LEADING_VERDICT.exec(text);
  if (!match) return { verdict: 'unparsed', reason: capReason(reply.trim()) };
  const verdict = (match[1] ?? '').toLowerCase() === 'yes' ? 'yes' : 'no';
  const rest = text.slice(match[0].length).replace(SEPARATOR_AFTER_VERDICT, '');
  return { verdict, reason: capReason(rest.trim()) };
}

function capReason(text: string): string {
  const codePoints = Array.from(text);
  return codePoints.length <= MAX_REASON_CHARS ? text : codePoints.slice(0, MAX_REASON_CHARS).join('');
}
