/** A command line that cannot be run as given: `synthlab: <message>`, the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
