/** Statistics over seeds, as papers report them. Pure. */

export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  // Sample standard deviation over seeds, as papers report it; 0 for a single seed.
  const variance = values.length > 1 ? values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}
