/**
 * The `synthlab` command line. Every failure prints a clear message and exits non-zero.
 */
import { ConfigError } from '../config/load';
import { DataError } from '../data/readers';
import { runWorkerProcess } from '../workers/main';
import { demoCommand } from './demo';
import { reportCommand } from './report';
import { downCommand, upCommand } from './stack';
import { sweepPlanCommand, sweepStartCommand } from './sweep';
import { sweepCancelCommand, sweepListCommand, sweepResumeCommand, sweepShowCommand, sweepStatusCommand } from './sweep-manage';

const USAGE = `usage: synthlab <command>

  up                         start the embedded stack (Temporal dev server + worker) if not running
  down                       stop the embedded stack
  worker                     run a worker in the foreground (cpu and gpu queues; SYNTHLAB_QUEUES=gpu for one)
  demo [config]              bring the stack up, run a sweep to the end, print the results table
  sweep plan <config>        validate a config and print what it would run
  sweep start <config> [--wait]
                             start a sweep (starting the same sweep twice runs nothing twice)
  sweep list                 every sweep with its status
  sweep status <sweep> [--watch]
                             progress per stage (done / running / failed / pending), ETA, UI link
  sweep resume <sweep> [--config FILE]
                             run a closed sweep again: finished work is reused, failed cells re-run
  sweep cancel <sweep>       cancel a sweep, its cells and their training subprocesses
  sweep show <workflow-id>   one cell or data product: stage, status, the running activity and
                             its last progress, results or the error
  report <sweep> [--out DIR] write a completed sweep's results (CSV, markdown tables, SVG charts)
                             to results/<sweep-name>/ or DIR
`;

export class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      return upCommand();
    case 'down':
      return downCommand();
    case 'worker':
      await runWorkerProcess();
      return 0;
    case 'demo':
      return demoCommand(rest[0] ?? 'configs/demo.yaml');
    case 'sweep': {
      const [subcommand, argument, ...flags] = rest;
      if (subcommand === 'list') return sweepListCommand();
      if (!argument) throw new UsageError(`synthlab sweep ${subcommand ?? '<plan|start|status|resume|cancel|show>'} needs an argument`);
      const flagValue = (name: string) => (flags.includes(name) ? flags[flags.indexOf(name) + 1] : undefined);
      if (subcommand === 'plan') return sweepPlanCommand(argument);
      if (subcommand === 'start') return sweepStartCommand(argument, { wait: flags.includes('--wait') });
      if (subcommand === 'status') return sweepStatusCommand(argument, { watch: flags.includes('--watch') });
      if (subcommand === 'resume') {
        const config = flagValue('--config');
        return sweepResumeCommand(argument, config ? { config } : {});
      }
      if (subcommand === 'cancel') return sweepCancelCommand(argument);
      if (subcommand === 'show') return sweepShowCommand(argument);
      throw new UsageError(`unknown sweep command "${subcommand}"`);
    }
    case 'report': {
      const [sweep, ...flags] = rest;
      const outIndex = flags.indexOf('--out');
      const out = outIndex >= 0 ? flags[outIndex + 1] : undefined;
      if (!sweep || sweep.startsWith('--') || (outIndex >= 0 && !out)) throw new UsageError('synthlab report needs a sweep name (e.g. demo) and, with --out, a folder');
      return reportCommand(sweep, out ? { out } : {});
    }
    case undefined:
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

// A reader that stops early (`synthlab sweep status x | head -1`) is not an error: stop quietly,
// as Unix tools do, instead of crashing with an unhandled EPIPE and failing the pipeline.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`synthlab: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (error instanceof ConfigError || error instanceof DataError) {
      process.stderr.write(`synthlab: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`synthlab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
