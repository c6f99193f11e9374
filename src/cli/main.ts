/**
 * The `synthlab` command line (commands: ./program.ts). Every failure prints a clear message and
 * exits non-zero: argument errors 2 (commander has printed the error and the usage), bad input
 * (config, data, encryption keys, a payload the keys cannot decrypt) 2, anything else 1. A command's own exit code is the process's.
 */
import { CommanderError } from 'commander';
import { createProgram } from './program';
import { UsageError } from './usage-error';

/**
 * Whether the error is bad input the user can fix (a config or data problem). The classes' modules
 * load zod and the data registry, so they are imported only for an error that carries their name;
 * when one is thrown they are loaded already.
 */
async function isInputError(error: unknown): Promise<boolean> {
  if (!(error instanceof Error) || !['ConfigError', 'DataError', 'EncryptionKeyError', 'PayloadEncryptionError'].includes(error.name)) return false;
  const [{ ConfigError }, { DataError }, { EncryptionKeyError }, { PayloadEncryptionError }] = await Promise.all([
    import('../config/load'),
    import('../data/readers'),
    import('../infra/encryption/key-ring'),
    import('../infra/encryption/aes-gcm'),
  ]);
  return error instanceof ConfigError || error instanceof DataError || error instanceof EncryptionKeyError || error instanceof PayloadEncryptionError;
}

// A reader that stops early (`synthlab sweep status x | head -1`) is not an error: stop quietly,
// as Unix tools do, instead of crashing with an unhandled EPIPE and failing the pipeline.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

let exitCode = 0;
const program = createProgram((code) => (exitCode = code));

program.parseAsync(process.argv.slice(2), { from: 'user' }).then(
  () => process.exit(exitCode),
  async (error: unknown) => {
    if (error instanceof CommanderError) {
      // --help and `synthlab help` end with exit code 0; a bare `synthlab` or `synthlab sweep` prints the usage and 2.
      process.exit(error.exitCode === 0 ? 0 : 2);
    }
    if (error instanceof UsageError) {
      process.stderr.write(`synthlab: ${error.message}\n\n${program.helpInformation()}`);
      process.exit(2);
    }
    if (await isInputError(error)) {
      process.stderr.write(`synthlab: ${(error as Error).message}\n`);
      process.exit(2);
    }
    process.stderr.write(`synthlab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
