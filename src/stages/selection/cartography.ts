/**
 * Dataset cartography (Swayamdipta et al., 2020): per row, the mean and the population standard
 * deviation over the teacher's epoch checkpoints of the probability it gives the prompt's label.
 * High mean = easy to learn; high deviation = ambiguous.
 */
export function cartography(
  epochProbabilities: readonly Float32Array[],
  promptLabels: readonly number[],
  labelCount: number,
): { mean: Float32Array; std: Float32Array } {
  const epochs = epochProbabilities.length;
  if (epochs === 0) throw new Error('cartography needs the probabilities of at least one epoch checkpoint');
  const rows = promptLabels.length;
  epochProbabilities.forEach((probabilities, epoch) => {
    if (probabilities.length !== rows * labelCount) {
      throw new Error(`cartography: epoch ${epoch + 1} has ${probabilities.length} probabilities, expected ${rows} rows x ${labelCount} labels`);
    }
  });
  const mean = new Float32Array(rows);
  const std = new Float32Array(rows);
  for (let row = 0; row < rows; row += 1) {
    const label = promptLabels[row] as number;
    if (!Number.isInteger(label) || label < 0 || label >= labelCount) throw new Error(`cartography: row ${row} has prompt label ${label}, not in 0..${labelCount - 1}`);
    const at = row * labelCount + label;
    let sum = 0;
    for (let epoch = 0; epoch < epochs; epoch += 1) sum += (epochProbabilities[epoch] as Float32Array)[at] as number;
    const rowMean = sum / epochs;
    let squares = 0;
    for (let epoch = 0; epoch < epochs; epoch += 1) {
      const deviation = ((epochProbabilities[epoch] as Float32Array)[at] as number) - rowMean;
      squares += deviation * deviation;
    }
    mean[row] = rowMean;
    std[row] = Math.sqrt(squares / epochs);
  }
  return { mean, std };
}
