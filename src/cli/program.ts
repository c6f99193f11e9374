/**
 * The `synthlab` command tree (commander): every command, its arguments and options, and its help.
 * Each action imports its command's module only when it runs, so `--help` and argument errors load
 * no Temporal, zod or LLM code and answer at once.
 */
import { Command } from 'commander';

/** Builds the command tree; a command that runs reports its exit code through `setExitCode`. */
export function createProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('synthlab')
    .description('LLM synthetic-data experiments for low-resource languages, as durable Temporal workflows')
    // Inherited by every command added below: errors throw (main.ts picks the exit code), read
    // `synthlab: <message>`, and are followed by the failing command's usage.
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(message.replace(/^error: /, 'synthlab: ')) })
    .showHelpAfterError()
    .addHelpText('after', '\n`synthlab sweep --help` lists the sweep commands;\n`synthlab <command> --help` shows a command\'s arguments and options.');

  program
    .command('up')
    .description('start the embedded stack (Temporal dev server + worker) if not running')
    .action(async () => {
      const { upCommand } = await import('./stack');
      setExitCode(await upCommand());
    });

  program
    .command('down')
    .description('stop the embedded stack')
    .action(async () => {
      const { downCommand } = await import('./stack');
      setExitCode(await downCommand());
    });

  program
    .command('worker')
    .description('run a worker in the foreground until SIGINT/SIGTERM (cpu and gpu queues; SYNTHLAB_QUEUES=gpu for one)')
    .action(async () => {
      const { runWorkerProcess } = await import('../workers/main');
      await runWorkerProcess();
      setExitCode(0);
    });

  program
    .command('demo')
    .description('bring the stack up, run a sweep to the end, print the results table')
    .argument('[config]', 'sweep config file (YAML)', 'configs/demo.yaml')
    .action(async (config: string) => {
      const { demoCommand } = await import('./demo');
      setExitCode(await demoCommand(config));
    });

  addSweepCommands(program.command('sweep').description('plan, start, watch, resume, cancel and inspect sweeps'), setExitCode);

  program
    .command('report')
    .description("write a completed sweep's results (CSV, markdown tables, SVG charts)")
    .argument('<sweep>', 'sweep name (e.g. demo) or id (sweep/demo)')
    .option('--out <dir>', 'folder to write into (default: results/<sweep-name>/)')
    .action(async (sweep: string, options: { out?: string }) => {
      const { reportCommand } = await import('./report');
      setExitCode(await reportCommand(sweep, options.out ? { out: options.out } : {}));
    });

  program
    .command('codec-server')
    .description('serve the payload encryption codec to the Temporal Web UI (POST /encode, /decode), with the keys of SYNTHLAB_ENCRYPTION_KEYS_FILE')
    .option('--port <port>', 'port to listen on', '8888')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--ui-origin <origins...>', "the Web UI's origin(s) the browser calls from (default: the embedded stack's UI, http://127.0.0.1:8233 and http://localhost:8233)")
    .option('--namespace <namespace>', 'the namespace it serves (default: TEMPORAL_NAMESPACE or default)')
    .addHelpText('after', '\nWith SYNTHLAB_CODEC_SERVER_TOKEN set, every request needs `Authorization: Bearer <token>`.')
    .action(async (options: { port: string; host: string; uiOrigin?: string[]; namespace?: string }) => {
      const { codecServerCommand } = await import('./codec-server');
      setExitCode(await codecServerCommand(options));
    });

  program
    .command('encryption-key')
    .description('create a payload encryption key file, or rotate one: a new current key, the old keys kept for decoding')
    .argument('<file>', 'key file (JSON), e.g. .synthlab/encryption-keys.json')
    .option('--id <key-id>', 'id of the new key (default: key-<UTC date and time>)')
    .action(async (file: string, options: { id?: string }) => {
      const { encryptionKeyCommand } = await import('./encryption-key');
      setExitCode(await encryptionKeyCommand(file, options));
    });

  return program;
}

function addSweepCommands(sweep: Command, setExitCode: (code: number) => void): void {
  sweep
    .command('plan')
    .description('check a config and everything it points at (data files, models, prompts, environment), as `start` does, and print what it would run (needs no server)')
    .argument('<config>', 'sweep config file (YAML)')
    .option('--config-only', 'check the config alone, for a sweep meant to run on another machine (skips its files, models and environment)')
    .action(async (config: string, options: { configOnly?: boolean }) => {
      const { sweepPlanCommand } = await import('./sweep-plan');
      setExitCode(await sweepPlanCommand(config, { configOnly: options.configOnly === true }));
    });

  sweep
    .command('start')
    .description('check the config and everything it points at, then start the sweep (starting the same sweep twice runs nothing twice)')
    .argument('<config>', 'sweep config file (YAML)')
    .option('--wait', 'wait until the sweep finishes and print its summary')
    .action(async (config: string, options: { wait?: boolean }) => {
      const { sweepStartCommand } = await import('./sweep');
      setExitCode(await sweepStartCommand(config, { wait: options.wait === true }));
    });

  sweep
    .command('list')
    .description('every sweep with its status')
    .action(async () => {
      const { sweepListCommand } = await import('./sweep-manage');
      setExitCode(await sweepListCommand());
    });

  sweep
    .command('status')
    .description('progress per stage (done / running / failed / pending), ETA, UI link')
    .argument('<sweep>', 'sweep name (e.g. demo) or id (sweep/demo)')
    .option('--watch', 'print it again every 5 s until the sweep closes')
    .action(async (name: string, options: { watch?: boolean }) => {
      const { sweepStatusCommand } = await import('./sweep-status');
      setExitCode(await sweepStatusCommand(name, { watch: options.watch === true }));
    });

  sweep
    .command('resume')
    .description('run a closed sweep again: finished work is reused, failed cells re-run')
    .argument('<sweep>', 'sweep name (e.g. demo) or id (sweep/demo)')
    .option('--config <file>', 'config to run (default: the one the sweep was started with)')
    .action(async (name: string, options: { config?: string }) => {
      const { sweepResumeCommand } = await import('./sweep-manage');
      setExitCode(await sweepResumeCommand(name, options.config ? { config: options.config } : {}));
    });

  sweep
    .command('cancel')
    .description('cancel a sweep, its cells and their training subprocesses')
    .argument('<sweep>', 'sweep name (e.g. demo) or id (sweep/demo)')
    .action(async (name: string) => {
      const { sweepCancelCommand } = await import('./sweep-manage');
      setExitCode(await sweepCancelCommand(name));
    });

  sweep
    .command('show')
    .description('one cell or data product: stage, status, the running activity and its last progress, results or the error')
    .argument('<workflow-id>', 'e.g. sweep/demo/cell/<key> (`sweep status` and the UI show the ids)')
    .option('--sample <id>', 'with a data product (sweep/<name>/data/<key>): one row\'s provenance, read from the artifacts (its request or file line, verdicts and labels)')
    .action(async (workflowId: string, options: { sample?: string }) => {
      if (options.sample !== undefined) {
        const { sweepShowSampleCommand } = await import('./sample-provenance');
        setExitCode(await sweepShowSampleCommand(workflowId, options.sample));
        return;
      }
      const { sweepShowCommand } = await import('./sweep-manage');
      setExitCode(await sweepShowCommand(workflowId));
    });
}
