/**
 * `synthlab sweep status <sweep> [--watch]` is the command run most often, and in loops: it runs
 * without building the command tree, whose parser (commander) and definitions are about a fifth of
 * its start time. Only the plain form takes this path; anything else in the arguments (another
 * option, `--help`, a second name, `--`) goes through the command tree, which also gives the usage
 * errors. Pure.
 */
export interface StatusArguments {
  sweep: string;
  watch: boolean;
}

export function plainStatusArguments(args: readonly string[]): StatusArguments | undefined {
  if (args[0] !== 'sweep' || args[1] !== 'status') return undefined;
  const rest = args.slice(2);
  const names = rest.filter((arg) => !arg.startsWith('-'));
  const options = rest.filter((arg) => arg.startsWith('-'));
  const [sweep] = names;
  if (names.length !== 1 || sweep === undefined || sweep.length === 0) return undefined;
  if (options.length > 1 || (options.length === 1 && options[0] !== '--watch')) return undefined;
  return { sweep, watch: options.length === 1 };
}
