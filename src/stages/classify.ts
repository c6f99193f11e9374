/**
 * LLMs as classifiers (study B): reading a model's answer as one of the task's labels, and the
 * scores of a set of answers. Pure: the classify activity and the report use it.
 */

/** Canonical form for comparing an answer with a label: trimmed, case-folded, inner whitespace collapsed. */
export function foldLabel(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/gu, ' ').toLocaleLowerCase('und');
}

/**
 * The label an answer names, or undefined when it names none: the whole answer (trimmed, case-folded,
 * one trailing full stop dropped) must be exactly one label. A JSON string (what a JSON-schema
 * constrained server returns, `"positive"`) is read as its content. Anything else is outside the label set.
 */
export function parseLabelAnswer(reply: string, labels: readonly string[]): string | undefined {
  let text = reply.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      const decoded: unknown = JSON.parse(text);
      if (typeof decoded === 'string') text = decoded;
    } catch {
      // Not JSON: compared as written.
    }
  }
  const folded = foldLabel(text).replace(/\.$/u, '').trimEnd();
  return labels.find((label) => foldLabel(label) === folded);
}

export interface ClassificationScores {
  n: number;
  accuracy: number;
  macroF1: number;
  perClassF1: Record<string, number>;
  /** Rows: gold label, columns: predicted label, both in `labels` order; answers outside the labels are in no column. */
  confusion: number[][];
  /** Answers that named no label (counted wrong). */
  outOfLabel: number;
  outOfLabelRate: number;
}

/**
 * Accuracy and macro-F1 over `labels`, an answer outside the label set counted as wrong (a false
 * negative of its gold label, a false positive of no label), as scikit-learn scores a prediction
 * outside `labels` when asked for those labels' F1 (zero_division = 0).
 */
export function scoreClassifications(gold: readonly string[], predicted: readonly (string | undefined)[], labels: readonly string[]): ClassificationScores {
  if (gold.length !== predicted.length) throw new Error(`scoreClassifications: ${gold.length} gold labels but ${predicted.length} answers`);
  const index = new Map(labels.map((label, position) => [label, position]));
  const confusion = labels.map(() => labels.map(() => 0));
  let correct = 0;
  let outOfLabel = 0;
  const truePositive = labels.map(() => 0);
  const goldCount = labels.map(() => 0);
  const predictedCount = labels.map(() => 0);
  gold.forEach((label, row) => {
    const goldIndex = index.get(label);
    if (goldIndex === undefined) throw new Error(`scoreClassifications: gold label "${label}" is not one of ${labels.join(', ')}`);
    goldCount[goldIndex] = (goldCount[goldIndex] ?? 0) + 1;
    const answer = predicted[row];
    const answerIndex = answer === undefined ? undefined : index.get(answer);
    if (answerIndex === undefined) {
      outOfLabel += 1;
      return;
    }
    predictedCount[answerIndex] = (predictedCount[answerIndex] ?? 0) + 1;
    (confusion[goldIndex] as number[])[answerIndex] = ((confusion[goldIndex] as number[])[answerIndex] ?? 0) + 1;
    if (answerIndex === goldIndex) {
      correct += 1;
      truePositive[goldIndex] = (truePositive[goldIndex] ?? 0) + 1;
    }
  });
  const perClassF1: Record<string, number> = {};
  labels.forEach((label, position) => {
    const denominator = (goldCount[position] ?? 0) + (predictedCount[position] ?? 0);
    perClassF1[label] = denominator === 0 ? 0 : (2 * (truePositive[position] ?? 0)) / denominator;
  });
  const n = gold.length;
  const macroF1 = labels.length === 0 ? 0 : Object.values(perClassF1).reduce((sum, value) => sum + value, 0) / labels.length;
  return { n, accuracy: n === 0 ? 0 : correct / n, macroF1, perClassF1, confusion, outOfLabel, outOfLabelRate: n === 0 ? 0 : outOfLabel / n };
}
