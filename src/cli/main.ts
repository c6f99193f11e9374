/**
 * The `synthlab` command line (commands: ./program.ts). Every failure prints a clear message and
 * exits non-zero: argument errors 2 (commander has printed the error and the usage), bad input
 * (config, data, encryption keys, a payload the keys cannot decrypt) 2, anything else 1. A command's own exit code is the process's.
 * A plain `sweep status` skips the command tree (./status-fast-path.ts).
 */
import { plainStatusArguments } from './status-fast-path';
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

/** Exit codes that commander asks for: --help and `synthlab help` 0; a bare `synthlab` or `synthlab sweep` (usage printed) 2. */
class CommanderExit extends Error {
  constructor(readonly exitCode: number) {
    super(`commander exit ${exitCode}`);
  }
}

async function runCommandTree(args: string[], setExitCode: (code: number) => void): Promise<void> {
  const [{ CommanderError }, { createProgram }] = await Promise.all([import('commander'), import('./program')]);
  try {
    await createProgram(setExitCode).parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new CommanderExit(error.exitCode === 0 ? 0 : 2);
    throw error;
  }
}

async function rootHelp(): Promise<string> {
  const { createProgram } = await import('./program');
  return createProgram(() => undefined).helpInformation();
}

// A reader that stops early (`synthlab sweep status x | head -1`) is not an error: stop quietly,
// as Unix tools do, instead of crashing with an unhandled EPIPE and failing the pipeline.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

let exitCode = 0;
const setExitCode = (code: number) => (exitCode = code);
const args = process.argv.slice(2);
const status = plainStatusArguments(args);
const run = status
  ? import('./sweep-status').then(async ({ sweepStatusCommand }) => setExitCode(await sweepStatusCommand(status.sweep, { watch: status.watch })))
  : runCommandTree(args, setExitCode);

run.then(
  () => process.exit(exitCode),
  async (error: unknown) => {
    if (error instanceof CommanderExit) process.exit(error.exitCode);
    if (error instanceof UsageError) {
      process.stderr.write(`synthlab: ${error.message}\n\n${await rootHelp()}`);
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
