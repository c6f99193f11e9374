/** Command-line option values shared by the benchmarks. */

/** The value after `flag`, as a positive integer, or an error naming the flag. */
export function positiveIntegerOption(flag: string | undefined, value: string | undefined): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${flag} needs a positive integer, got "${value ?? ''}"`);
  return number;
}
