/**
 * Agreement between the prompt's labels and a teacher's: the share of rows where they agree
 * (overall, and per prompt label: of the rows the prompt asked for that label, how many the
 * teacher gave it), Cohen's kappa, and the confusion matrix (rows = prompt label, columns =
 * teacher label, in labels order). Kappa is (p_o - p_e) / (1 - p_e); when both sides use one and
 * the same label for every row (p_e = 1) kappa is 0/0, and it is reported as 1 (they agree).
 * A label the prompt never asked for has no entry in byLabel.
 */
export function agreement(
  promptLabels: readonly number[],
  teacherLabels: readonly number[],
  labels: readonly string[],
): { overall: number; byLabel: Record<string, number>; kappa: number; confusion: number[][] } {
  const labelCount = labels.length;
  const rows = promptLabels.length;
  if (teacherLabels.length !== rows) throw new Error(`agreement: ${rows} prompt labels but ${teacherLabels.length} teacher labels`);
  if (rows === 0) throw new Error('agreement needs at least one row');
  const confusion = Array.from({ length: labelCount }, () => new Array<number>(labelCount).fill(0));
  for (let row = 0; row < rows; row += 1) {
    const prompt = promptLabels[row] as number;
    const teacher = teacherLabels[row] as number;
    for (const [side, label] of [['prompt', prompt], ['teacher', teacher]] as const) {
      if (!Number.isInteger(label) || label < 0 || label >= labelCount) throw new Error(`agreement: row ${row} has ${side} label ${label}, not in 0..${labelCount - 1}`);
    }
    (confusion[prompt] as number[])[teacher] = ((confusion[prompt] as number[])[teacher] as number) + 1;
  }
  let agreeing = 0;
  let expected = 0;
  const byLabel: Record<string, number> = {};
  for (let label = 0; label < labelCount; label += 1) {
    const row = confusion[label] as number[];
    const promptCount = row.reduce((sum, count) => sum + count, 0);
    const teacherCount = confusion.reduce((sum, other) => sum + (other[label] as number), 0);
    const diagonal = row[label] as number;
    agreeing += diagonal;
    expected += (promptCount / rows) * (teacherCount / rows);
    if (promptCount > 0) byLabel[labels[label] as string] = diagonal / promptCount;
  }
  const overall = agreeing / rows;
  const kappa = expected >= 1 ? 1 : (overall - expected) / (1 - expected);
  return { overall, byLabel, kappa, confusion };
}
