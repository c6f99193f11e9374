/**
 * The one string order of the project: by UTF-16 code units, the same on every machine and in
 * every locale (unlike `localeCompare`), so sorted keys, hashes and report rows never move.
 */
export function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
