/**
 * `npm run chaos -- --kills 20 [--seed S] [--config configs/chaos.yaml]`: runs a small sweep on
 * the local model twice, each on its own stack (dev server on free ports, its own state folder
 * and SQLite file, one worker, the llama.cpp server): first undisturbed, then under a seeded
 * schedule of kills (worker, trainer subprocess, LLM server mid-generation, dev server; SIGKILL
 * and SIGTERM with grace), restarting whatever died. Then it compares every cell: none lost, none
 * recorded twice, no artifact half-written, metrics equal. The last line is
 * `chaos: kills=<n> cells=<n> completed=<n> lost=0 duplicated=0 metrics_equal=<n>/<n>`;
 * the exit code is 1 when a cell is lost or duplicated or an artifact is half-written, 2 on bad flags.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { checkedSweepConfig } from '../../src/cli/checked-config';
import { ConfigError } from '../../src/config/load';
import { repoRoot, resolveFromRepo } from '../../src/infra/paths';
import { sweepWorkflowId } from '../../src/shared/workflow-ids';
import { chaosLine, compareRuns } from './compare';
import { explainDataDifferences } from './explain';
import { checkArtifactIntegrity, duplicateRequestLines } from './integrity';
import { runKillSchedule, type KillRecord } from './kill-executor';
import { startLlmProxy, type LlmProxy } from './llm-server';
import { runSweepOnStack, type SweepRunOutcome } from './observe';
import { RunStack } from './run-stack';
import { buildKillSchedule, KILL_TARGETS } from './schedule';

const USAGE = 'usage: npm run chaos -- [--kills N] [--seed S] [--config <sweep config>] [--grace-seconds G] [--max-kills-per-training K]';

const flagsSchema = z.strictObject({
  kills: z.coerce.number().int().min(0).max(1000).default(20),
  seed: z.coerce.number().int().default(1),
  config: z.string().min(1).default('configs/chaos.yaml'),
  'grace-seconds': z.coerce.number().int().min(0).max(600).default(10),
  // GPU activities have maximumAttempts 4: a fourth failed attempt of one training fails its cell by design.
  'max-kills-per-training': z.coerce.number().int().min(1).max(100).default(3),
});
type Flags = z.infer<typeof flagsSchema>;

class UsageError extends Error {}

/** The share of the undisturbed run's windows that kills are scheduled in (see where the windows are built). */
const SLIP_ROOM = 0.6;

function parseFlags(argv: string[]): Flags {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kills: { type: 'string' },
        seed: { type: 'string' },
        config: { type: 'string' },
        'grace-seconds': { type: 'string' },
        'max-kills-per-training': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '));
  return parsed.data;
}

const providerSchema = z.looseObject({ kind: z.string(), model: z.string().optional(), apiKeyEnv: z.string().optional() });
const configShapeSchema = z.looseObject({
  dataRoot: z.string().optional(),
  generators: z.array(z.looseObject({ name: z.string(), provider: providerSchema })).min(1),
});

/**
 * The config both runs use: the original with each openai-compatible generator pointed at the
 * runner's LLM proxy, written into the chaos folder (a relative dataRoot made absolute first).
 */
async function prepareConfig(configPath: string, proxy: LlmProxy, folder: string): Promise<{ path: string; modelAlias: string }> {
  const source = resolveFromRepo(configPath);
  if (!existsSync(source)) throw new UsageError(`--config: ${source} does not exist`);
  const value = parseYaml(await readFile(source, 'utf8')) as unknown;
  const shape = configShapeSchema.safeParse(value);
  if (!shape.success) throw new UsageError(`${source}: not a sweep config with generators (${shape.error.issues[0]?.message ?? 'invalid'})`);
  const servers = shape.data.generators.filter((generator) => generator.provider.kind === 'openai-compatible');
  if (servers.length === 0) throw new UsageError(`${source}: the chaos runner needs an openai-compatible generator (the LLM server is a process it kills); see configs/chaos.yaml`);
  const aliases = new Set(servers.map((generator) => generator.provider.model ?? 'smollm2'));
  if (aliases.size > 1) throw new UsageError(`${source}: the chaos runner serves one model; the openai-compatible generators name ${[...aliases].join(', ')}`);
  for (const generator of servers) {
    generator.provider.baseURL = proxy.baseURL;
    const keyVariable = generator.provider.apiKeyEnv ?? 'OPENAI_API_KEY';
    // llama_cpp.server is started without a key; the provider only needs the variable set.
    process.env[keyVariable] ??= 'none';
  }
  if (shape.data.dataRoot && !isAbsolute(shape.data.dataRoot)) shape.data.dataRoot = resolve(dirname(source), shape.data.dataRoot);
  const path = join(folder, 'config.yaml');
  await writeFile(path, stringifyYaml(shape.data));
  return { path, modelAlias: [...aliases][0] as string };
}

function formatCell(outcome: { macroF1: number; accuracy: number } | undefined): string {
  return outcome ? `f1=${outcome.macroF1.toFixed(6)} acc=${outcome.accuracy.toFixed(6)}` : 'missing';
}

async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  const folder = join(repoRoot, '.synthlab', 'chaos', `${new Date().toISOString().replace(/[:.]/g, '-')}-seed${flags.seed}`);
  await mkdir(folder, { recursive: true });
  const log = (line: string) => console.log(line);
  const proxy = await startLlmProxy();
  const stacks: RunStack[] = [];
  const stopAll = async () => {
    for (const stack of stacks) await stack.stop().catch((error: Error) => console.error(`chaos: stopping a stack: ${error.message}`));
    await proxy.close();
  };
  process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));
  try {
    const prepared = await prepareConfig(flags.config, proxy, folder);
    const loaded = await checkedSweepConfig(prepared.path);
    log(`chaos: folder ${folder}; config ${flags.config} (sweep ${loaded.config.name}), seed ${flags.seed}, ${flags.kills} kills`);

    const undisturbedStack = new RunStack({ stateDir: join(folder, 'undisturbed'), proxy, modelAlias: prepared.modelAlias });
    stacks.push(undisturbedStack);
    await undisturbedStack.start();
    log('chaos: undisturbed run started');
    const undisturbed = await runSweepOnStack(undisturbedStack, proxy, loaded);
    await undisturbedStack.stop();
    log(
      `chaos: undisturbed run ${undisturbed.status} in ${(undisturbed.durationMs / 1000).toFixed(1)}s; ${undisturbed.observation.records.length} cell records; ` +
        `LLM busy +${(undisturbed.llmWindow[0] / 1000).toFixed(0)}s..+${(undisturbed.llmWindow[1] / 1000).toFixed(0)}s, ` +
        `trainers +${(undisturbed.trainingWindow[0] / 1000).toFixed(0)}s..+${(undisturbed.trainingWindow[1] / 1000).toFixed(0)}s`,
    );
    if (undisturbed.status !== 'COMPLETED' || undisturbed.observation.records.length === 0) {
      console.error(`chaos: the undisturbed run did not complete (${undisturbed.status}, ${undisturbed.observation.records.length} cell records): nothing to compare with; see ${undisturbedStack.options.stateDir}`);
      return 1;
    }

    // Every kill delays the disturbed run (restarts, retries, resumed training) and a kill waits for
    // its target, so later kills slip: the windows end at SLIP_ROOM of the undisturbed run's, so
    // that normally every kill still finds the sweep running.
    const within = ([from, to]: readonly [number, number]): readonly [number, number] => [from, Math.round(from + (to - from) * SLIP_ROOM)];
    const windows = {
      llm: undisturbed.llmWindow,
      trainer: within(undisturbed.trainingWindow),
      // From the first LLM request on (a worker SIGKILL still waits for generation to end: see kill-executor.ts).
      worker: within([undisturbed.llmWindow[0], undisturbed.durationMs]),
      server: within([0, undisturbed.durationMs]),
    };
    const schedule = buildKillSchedule({ kills: flags.kills, seed: flags.seed, windows });
    log(`chaos: schedule (seed ${flags.seed}): ${schedule.map((kill) => `+${(kill.atMs / 1000).toFixed(0)}s ${kill.target} ${kill.signal}`).join(', ')}`);

    const disturbedStack = new RunStack({ stateDir: join(folder, 'disturbed'), proxy, modelAlias: prepared.modelAlias });
    stacks.push(disturbedStack);
    await disturbedStack.start();
    log('chaos: disturbed run started');
    let kills: KillRecord[] = [];
    const disturbed: SweepRunOutcome = await runSweepOnStack(disturbedStack, proxy, loaded, {
      whileRunning: async (startedAt, sweepDone, generationDone) => {
        kills = await runKillSchedule({
          stack: disturbedStack,
          proxy,
          schedule,
          startedAt,
          graceMs: flags['grace-seconds'] * 1000,
          maxKillsPerTraining: flags['max-kills-per-training'],
          generationDone,
          sweepDone,
          log,
        });
      },
    });
    await disturbedStack.stop();
    log(`chaos: disturbed run ${disturbed.status} in ${(disturbed.durationMs / 1000).toFixed(1)}s; ${kills.length} of ${schedule.length} kills done`);

    const comparison = compareRuns(undisturbed.observation, disturbed.observation);
    const artifactsRoot = join(disturbedStack.options.stateDir, 'artifacts');
    const integrity = await checkArtifactIntegrity(artifactsRoot);
    const requestLines = await duplicateRequestLines(artifactsRoot);
    const byKey = (observation: SweepRunOutcome['observation']) => new Map(observation.records.map((record) => [record.key, record]));
    const before = byKey(undisturbed.observation);
    const after = byKey(disturbed.observation);
    log('chaos: cell | undisturbed | disturbed | equal | resumed from epoch | trainings');
    for (const key of [...before.keys()].sort()) {
      const details = disturbed.cellDetails.get(key);
      const equal = comparison.lost.includes(key) ? 'lost' : comparison.metricsDiffer.some((difference) => difference.key === key) ? 'DIFFERS' : 'yes';
      log(`  ${key} | ${formatCell(before.get(key))} | ${formatCell(after.get(key))} | ${equal} | ${details?.resumedFromEpoch ?? '-'} | ${details?.trainings ?? '-'}`);
    }
    for (const target of KILL_TARGETS) {
      const ofTarget = kills.filter((kill) => kill.target === target);
      log(`chaos: ${target}: ${ofTarget.length} kills (${ofTarget.filter((kill) => kill.signal === 'SIGKILL').length} SIGKILL, ${ofTarget.filter((kill) => kill.signal === 'SIGTERM').length} SIGTERM)`);
    }
    log(
      `chaos: integrity: ${integrity.blobsChecked} blobs and ${integrity.jsonFilesChecked} record/index files checked, ${integrity.halfWritten.length} half-written` +
        `${integrity.halfWritten.length > 0 ? ` (${integrity.halfWritten.join(', ')})` : ''}; ${integrity.leftoverTemporaries.length} leftover temporaries of killed writes` +
        `; request logs: ${requestLines.logs} with ${requestLines.lines} lines, ${requestLines.duplicates.length} repeated request indices`,
    );
    if (comparison.metricsDiffer.length > 0) {
      for (const line of await explainDataDifferences(join(undisturbedStack.options.stateDir, 'artifacts'), artifactsRoot, sweepWorkflowId(loaded.config.name))) log(`chaos: ${line}`);
    }
    if (comparison.lost.length > 0) log(`chaos: lost: ${comparison.lost.join(', ')}`);
    if (comparison.duplicated.length > 0) log(`chaos: duplicated: ${comparison.duplicated.join(', ')}`);
    await writeFile(join(folder, 'report.json'), JSON.stringify({ flags, schedule, kills, comparison, integrity, requestLines, undisturbed: { ...undisturbed, observation: undefined, cellDetails: undefined }, disturbed: { ...disturbed, observation: undefined, cellDetails: [...disturbed.cellDetails] } }, null, 2));
    log(chaosLine(kills.length, comparison));
    return comparison.lost.length > 0 || comparison.duplicated.length > 0 || integrity.halfWritten.length > 0 ? 1 : 0;
  } finally {
    await stopAll();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`chaos: ${error.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
