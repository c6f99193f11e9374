/**
 * Reads a sweep config file (YAML), validates it, and resolves what depends on this machine
 * (the data root). Errors name the file, the field and what was expected, list every problem
 * found, and never repeat a value shaped like a secret.
 *
 * What the config alone shows is checked here; the files, models and environment it points at are
 * checked by the pre-flight (./preflight.ts), which builds on this.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { languagesForSplit, parseDatasetSpec, type DatasetSpec } from '../data/dataset-spec';
import { dataRootDefault } from '../data/readers';
import { getDatasetSpec, listDatasetNames, type DatasetSpecOverrides } from '../data/registry';
import { decodeUtf8Strict, TextEncodingError } from '../data/text-encoding';
import { hashOf } from '../shared/hash';
import { findSecretLikeValues } from './secrets';
import { sweepConfigSchema, type SweepConfig } from './schema';

/** One thing wrong with a config or with what it points at. */
export interface ConfigProblem {
  /** The config field, dotted (`training.model`), when the problem comes from one. */
  field?: string;
  /** The file the problem is in (a data file, a prompt, the config itself). */
  file?: string;
  /** 1-based line in `file`; absent or 0 when the problem is with the whole file. */
  line?: number;
  /** What is wrong and, where it helps, what to do. Never file content or a secret. */
  message: string;
  /**
   * A problem of the machine the workers run on, not of the config or its files: an API key's
   * variable unset here, a hub model not in this machine's cache while it is offline. `sweep start`
   * refuses them; `sweep plan` counts the sweep and lists them (a paper grid is planned on a laptop).
   */
  environment?: true;
}

/** `file, line 3: message [field]`, or `field: message` for a problem in the config's values. */
export function formatProblem(problem: ConfigProblem): string {
  if (problem.file === undefined) return `${problem.field ?? '(top level)'}: ${problem.message}`;
  const place = problem.line !== undefined && problem.line > 0 ? `${problem.file}, line ${problem.line}` : problem.file;
  return `${place}: ${problem.message}${problem.field === undefined ? '' : ` [${problem.field}]`}`;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    message: string,
    /** Every problem found, when there were several checks (empty for a single-line error). */
    readonly problems: readonly ConfigProblem[] = [],
  ) {
    super(message);
  }

  /** One error listing every problem under a heading. */
  static listing(heading: string, problems: readonly ConfigProblem[]): ConfigError {
    return new ConfigError(`${heading}\n${problems.map((problem) => `  - ${formatProblem(problem)}`).join('\n')}`, problems);
  }
}

export interface LoadedSweepConfig {
  path: string;
  config: SweepConfig;
  configHash: string;
  dataRoot: string;
  /** The dataset spec of every task in the sweep, built-in or defined in the config. */
  datasets: Record<string, DatasetSpec>;
}

/** Every task's dataset, built-in (with the config's overrides) or defined in the config, and the problems of the others. */
export function collectDatasets(config: Pick<SweepConfig, 'tasks' | 'datasets' | 'languages' | 'allowPathsOutsideDataRoot'>): {
  datasets: Record<string, DatasetSpec>;
  problems: ConfigProblem[];
} {
  const datasets: Record<string, DatasetSpec> = {};
  const problems: ConfigProblem[] = [];
  const resolve = (name: string, field: string): DatasetSpec | undefined => {
    const defined = config.datasets[name];
    // Only set when allowed, so a spec (and every key hashed from it) is unchanged for everyone else.
    const outside = config.allowPathsOutsideDataRoot === true ? { allowPathsOutsideDataRoot: true } : {};
    try {
      if (listDatasetNames().includes(name)) return getDatasetSpec(name, { ...(defined ?? {}), ...outside } as DatasetSpecOverrides);
      if (defined) return parseDatasetSpec({ name, ...defined, ...outside });
      throw new Error(`unknown dataset; define it under datasets.${name} or use one of: ${listDatasetNames().join(', ')}`);
    } catch (error) {
      problems.push({ field: defined ? `datasets.${name}` : field, message: `dataset "${name}": ${error instanceof Error ? error.message : String(error)}` });
      return undefined;
    }
  };
  config.tasks.forEach(({ dataset: name }, index) => {
    const spec = resolve(name, `tasks.${index}.dataset`);
    if (spec === undefined) return;
    datasets[name] = spec;
    const missing = config.languages.filter((language) => !(spec.languages as string[]).includes(language));
    if (missing.length > 0) {
      problems.push({
        field: 'languages',
        message: `dataset "${name}" has no data for language${missing.length > 1 ? 's' : ''} ${missing.map((code) => `"${code}"`).join(', ')} (it has: ${spec.languages.join(', ')})`,
      });
    }
  });
  config.tasks.forEach(({ dataset: taskName, evaluation }, index) => {
    if (evaluation === undefined) return;
    const field = `tasks.${index}.evaluation`;
    const spec = datasets[evaluation.dataset] ?? resolve(evaluation.dataset, `${field}.dataset`);
    if (spec === undefined) return;
    datasets[evaluation.dataset] = spec;
    const testLanguages = languagesForSplit(spec, 'test');
    const missing = evaluation.languages.filter((language) => !testLanguages.includes(language));
    if (missing.length > 0) {
      problems.push({
        field: `${field}.languages`,
        message: `dataset "${spec.name}" has no test split for ${missing.map((code) => `"${code}"`).join(', ')} (it has one for: ${testLanguages.join(', ')})`,
      });
    }
    const task = datasets[taskName];
    const foreign = task === undefined ? [] : spec.labels.filter((label) => !task.labels.includes(label));
    if (foreign.length > 0) {
      problems.push({
        field: `${field}.dataset`,
        message: `dataset "${spec.name}" has labels the task "${taskName}" does not (${foreign.join(', ')}); an evaluation dataset's labels must be the task's labels or a subset of them (task labels: ${task?.labels.join(', ')})`,
      });
    }
  });
  return { datasets, problems };
}

/** Resolves every task's dataset; a ConfigError lists every dataset that cannot be resolved. */
export function resolveDatasets(config: SweepConfig, source: string): Record<string, DatasetSpec> {
  const { datasets, problems } = collectDatasets(config);
  if (problems.length > 0) throw ConfigError.listing(`${source}: ${problems.length === 1 ? 'a dataset problem' : `${problems.length} dataset problems`}:`, problems);
  return datasets;
}

/** The config's problems as zod reports them, leaving out fields that hold a secret (zod's message might repeat it). */
function schemaProblems(error: z.ZodError, secretFields: readonly string[]): ConfigProblem[] {
  return error.issues
    .map((issue) => ({ field: issue.path.length > 0 ? issue.path.join('.') : '(top level)', message: issue.message }))
    .filter((problem) => !secretFields.some((field) => problem.field === field || problem.field.startsWith(`${field}.`) || field.startsWith(`${problem.field}.`)));
}

function secretProblems(value: unknown): ConfigProblem[] {
  return findSecretLikeValues(value).map((path) => ({
    field: path.length > 0 ? path.join('.') : '(top level)',
    message:
      'looks like an API key or token (not repeated here); a config is copied into workflow histories and logs, so keys stay in ' +
      'environment variables: put it in one and name that variable (apiKeyEnv)',
  }));
}

/** Validates a config value; the ConfigError lists every problem. */
export function parseSweepConfig(value: unknown, source: string): SweepConfig {
  const { config, problems } = checkSweepConfigValue(value);
  if (config === undefined || problems.length > 0) throw ConfigError.listing(`${source} is not a valid sweep config:`, problems);
  return config;
}

export interface CheckedConfigValue {
  /** The parsed config, when it is valid. */
  config: SweepConfig | undefined;
  /**
   * What could be parsed field by field when the whole is invalid, so later checks can still look
   * at the files of the valid parts and every problem is reported at once.
   */
  parts: Partial<SweepConfig>;
  problems: ConfigProblem[];
}

/** The schema and the secret check over one config value, collecting every problem. */
export function checkSweepConfigValue(value: unknown): CheckedConfigValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const found = value === null || value === undefined ? 'an empty document' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    return { config: undefined, parts: {}, problems: [{ field: '(top level)', message: `a sweep config is a YAML mapping of fields (name:, tasks:, …); found ${found}` }] };
  }
  const secrets = secretProblems(value);
  const secretFields = secrets.map((problem) => problem.field as string);
  const parsed = sweepConfigSchema.safeParse(value);
  if (parsed.success && secrets.length === 0) return { config: parsed.data, parts: parsed.data, problems: [] };
  // The parts without a secret, so later checks look at their files and never at (or quote) a secret.
  const raw = value as Record<string, unknown>;
  const parts: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(sweepConfigSchema.shape)) {
    if (secretFields.some((field) => field === key || field.startsWith(`${key}.`))) continue;
    const part = (schema as z.ZodType).safeParse(raw[key]);
    if (part.success && part.data !== undefined) parts[key] = part.data;
  }
  const problems = parsed.success ? secrets : [...secrets, ...schemaProblems(parsed.error, secretFields)];
  return { config: undefined, parts: parts as Partial<SweepConfig>, problems };
}

/** A config larger than this is not a hand-written sweep config. */
const MAX_CONFIG_BYTES = 10 * 1024 * 1024;

/** The config file's YAML value; unreadable, non-UTF-8 or invalid YAML is a ConfigError naming the file and line. */
export async function readConfigValue(path: string): Promise<unknown> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(`cannot read config ${path}: ${error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message)}`);
  });
  if (!info.isFile()) throw new ConfigError(`cannot read config ${path}: not a regular file`);
  if (info.size > MAX_CONFIG_BYTES) throw new ConfigError(`cannot read config ${path}: ${info.size} bytes, more than the ${MAX_CONFIG_BYTES} a sweep config may have`);
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(`cannot read config ${path}: ${error.code ?? error.message}`);
  });
  let text: string;
  try {
    text = decodeUtf8Strict(bytes);
  } catch (error) {
    if (error instanceof TextEncodingError) throw new ConfigError(`${path}, line ${error.line}: ${error.problem}`);
    throw error;
  }
  const lineCounter = new LineCounter();
  // Without pretty errors the parser's messages do not quote the offending source line.
  const document = parseDocument(text, { prettyErrors: false, lineCounter });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => {
      const position = lineCounter.linePos(error.pos[0]);
      return { file: path, line: position.line, message: `${error.message} (column ${position.col})` };
    });
    throw ConfigError.listing(`${path} is not valid YAML:`, problems);
  }
  return document.toJS({ maxAliasCount: 100 });
}

/** The data root a config resolves to: its `dataRoot` (relative to the config file), else the default. */
export function dataRootOf(config: Pick<SweepConfig, 'dataRoot'>, configPath: string): string {
  if (!config.dataRoot) return dataRootDefault();
  return isAbsolute(config.dataRoot) ? config.dataRoot : resolve(dirname(configPath), config.dataRoot);
}

export interface ReadSweepConfig extends CheckedConfigValue {
  path: string;
  /** Specs of the datasets that could be resolved. */
  datasets: Record<string, DatasetSpec>;
}

/** Reads and checks a config file, collecting every problem the config alone shows. */
export async function readSweepConfig(file: string): Promise<ReadSweepConfig> {
  const path = resolve(file);
  const checked = checkSweepConfigValue(await readConfigValue(path));
  const { parts } = checked;
  let datasets: Record<string, DatasetSpec> = {};
  if (parts.tasks && parts.datasets && parts.languages) {
    const collected = collectDatasets({ tasks: parts.tasks, datasets: parts.datasets, languages: parts.languages, allowPathsOutsideDataRoot: parts.allowPathsOutsideDataRoot });
    datasets = collected.datasets;
    checked.problems.push(...collected.problems);
  }
  return { ...checked, path, datasets };
}

/** A loaded config from its parts; call only when reading it found no problem. */
export function loadedFrom(read: ReadSweepConfig): LoadedSweepConfig {
  const { config } = read;
  if (config === undefined || read.problems.length > 0) throw ConfigError.listing(`${read.path} is not a valid sweep config:`, read.problems);
  return { path: read.path, config, configHash: hashOf(config), dataRoot: dataRootOf(config, read.path), datasets: read.datasets };
}

/** Reads and validates a config file: everything the config alone shows (the pre-flight checks what it points at). */
export async function loadSweepConfig(file: string): Promise<LoadedSweepConfig> {
  return loadedFrom(await readSweepConfig(file));
}
