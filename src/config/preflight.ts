/**
 * The pre-flight: one check of a sweep config and of everything it points at, run by both
 * `sweep plan` and `sweep start` (and resume and demo) before anything starts. It reads the config
 * (strict UTF-8, YAML, schema, secrets), then opens every data file, model, prompt template and
 * environment variable the sweep will use on this machine, and checks the names it will make.
 * It collects every problem and throws one ConfigError that lists them all (the CLI prints it and
 * exits 2); nothing is started.
 */
import type { Env } from '../infra/paths';
import { artifactsDir } from '../infra/paths';
import { checkDataFiles } from './checks/data-files';
import { resolveImportFiles } from './checks/import-files';
import { resolveTranslatePrompt } from './checks/translate-prompt';
import { checkModels } from './checks/models';
import { checkNames } from './checks/names';
import { checkPromptFiles, type PromptTemplateParser } from './checks/prompts';
import { ConfigError, dataRootOf, loadedFrom, readSweepConfig, type ConfigProblem, type LoadedSweepConfig, type ReadSweepConfig } from './load';

export interface PreflightOptions {
  /** Parses a prompt template (src/stages/prompts.ts `parseTemplateFile`). */
  parsePromptTemplate: PromptTemplateParser;
  /**
   * Whether to check what the config points at on this machine (files, models, environment).
   * Off only to plan a sweep meant for another machine; `sweep start` always checks.
   */
  machineChecks?: boolean;
  env?: Env;
  /** The artifact store whose path lengths are checked; default: this machine's. */
  artifactsDir?: string;
  /**
   * Given (by `sweep plan`), problems of this machine's environment (ConfigProblem.environment) go
   * here instead of failing the pre-flight; without it (`sweep start`) they fail it like any other.
   */
  onEnvironmentProblems?: (problems: ConfigProblem[]) => void;
}

/** Every problem of a config read from disk: its own, and (with machine checks) what it points at. */
export async function preflightProblems(read: ReadSweepConfig, options: PreflightOptions): Promise<ConfigProblem[]> {
  const problems = [...read.problems];
  const { parts, config } = read;
  if (config !== undefined && problems.length === 0) problems.push(...checkNames(config, options.artifactsDir ?? artifactsDir()));
  if (options.machineChecks === false) return problems;
  const env = options.env ?? process.env;
  const [data, models, prompts] = await Promise.all([
    parts.tasks && parts.languages && parts.strategies && parts.datasets
      ? checkDataFiles({ ...parts, tasks: parts.tasks, languages: parts.languages, strategies: parts.strategies, datasets: parts.datasets }, read.datasets, dataRootOf(parts, read.path))
      : [],
    checkModels(parts, env),
    parts.strategies ? checkPromptFiles({ ...parts, strategies: parts.strategies }, options.parsePromptTemplate) : [],
  ]);
  return [...problems, ...data, ...models, ...prompts];
}

/**
 * Imported generations' files are read even with --config-only: a product is keyed by its file's
 * sha256, so there is no plan without them. A bad file is a problem, and the config is not planned.
 */
async function withImportsResolved(read: ReadSweepConfig): Promise<{ read: ReadSweepConfig; problems: ConfigProblem[] }> {
  const imports = read.config?.imports;
  if (read.config === undefined || imports === undefined || read.problems.length > 0) return { read, problems: [] };
  const resolved = await resolveImportFiles(imports, read.datasets, read.path);
  if (resolved.imports === undefined) return { read: { ...read, config: undefined }, problems: resolved.problems };
  return { read: { ...read, config: { ...read.config, imports: resolved.imports } }, problems: [] };
}

/** Translate-train's prompt is read even with --config-only: its sha256 keys the translated products. */
async function withTranslatePromptResolved(read: ReadSweepConfig): Promise<{ read: ReadSweepConfig; problems: ConfigProblem[] }> {
  const translate = read.config?.translate;
  if (read.config === undefined || translate === undefined || read.problems.length > 0) return { read, problems: [] };
  const resolved = await resolveTranslatePrompt(translate);
  if (resolved.problems.length > 0) return { read: { ...read, config: undefined }, problems: resolved.problems };
  return { read: { ...read, config: { ...read.config, translate: resolved.settings } }, problems: [] };
}

/** Reads a config and runs the pre-flight: the loaded config, or a ConfigError listing every problem. */
export async function preflightSweepConfig(file: string, options: PreflightOptions): Promise<LoadedSweepConfig> {
  const imports = await withImportsResolved(await readSweepConfig(file));
  const resolved = await withTranslatePromptResolved(imports.read);
  const read = resolved.read;
  const all = [...imports.problems, ...resolved.problems, ...(await preflightProblems(read, options))];
  const deferred = options.onEnvironmentProblems === undefined ? [] : all.filter((problem) => problem.environment === true);
  const problems = all.filter((problem) => !deferred.includes(problem));
  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw ConfigError.listing(`${read.path}: ${count}; nothing was started:`, problems);
  }
  if (deferred.length > 0) options.onEnvironmentProblems?.(deferred);
  return loadedFrom(read);
}
