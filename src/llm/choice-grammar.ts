/** Constrained decoding for an LLM used as a classifier. */

/** A GBNF grammar whose only sentences are the labels, exactly as written (node-llama-cpp / llama.cpp). */
export function labelChoiceGrammar(labels: readonly string[]): string {
  if (labels.length === 0) throw new Error('labelChoiceGrammar needs at least one label');
  const literal = (label: string) => `"${label.replace(/\\/gu, '\\\\').replace(/"/gu, '\\"').replace(/\n/gu, '\\n').replace(/\r/gu, '\\r')}"`;
  return `root ::= ${labels.map(literal).join(' | ')}`;
}
