/**
 * Reads a sweep config file (YAML), validates it, and resolves what depends on this machine
 * (the data root). Errors name the file, the field and what was expected.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDatasetSpec, type DatasetSpec } from '../data/dataset-spec';
import { dataRootDefault } from '../data/readers';
import { getDatasetSpec, listDatasetNames, type DatasetSpecOverrides } from '../data/registry';
import { hashOf } from '../shared/hash';
import { sweepConfigSchema, type SweepConfig } from './schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadedSweepConfig {
  path: string;
  config: SweepConfig;
  configHash: string;
  dataRoot: string;
  /** The dataset spec of every task in the sweep, built-in or defined in the config. */
  datasets: Record<string, DatasetSpec>;
}

/** Resolves every task's dataset: a built-in one (with the config's overrides) or one defined in the config. */
export function resolveDatasets(config: SweepConfig, source: string): Record<string, DatasetSpec> {
  const datasets: Record<string, DatasetSpec> = {};
  for (const { dataset: name } of config.tasks) {
    const defined = config.datasets[name];
    try {
      if (listDatasetNames().includes(name)) datasets[name] = getDatasetSpec(name, (defined ?? {}) as DatasetSpecOverrides);
      else if (defined) datasets[name] = parseDatasetSpec({ name, ...defined });
      else throw new Error(`unknown dataset; define it under datasets.${name} or use one of: ${listDatasetNames().join(', ')}`);
    } catch (error) {
      throw new ConfigError(`${source}: dataset "${name}": ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const language of config.languages) {
      if (!(datasets[name]!.languages as string[]).includes(language)) {
        throw new ConfigError(`${source}: dataset "${name}" has no data for language "${language}" (it has: ${datasets[name]!.languages.join(', ')})`);
      }
    }
  }
  return datasets;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `  - ${field}: ${issue.message}`;
    })
    .join('\n');
}

export function parseSweepConfig(value: unknown, source: string): SweepConfig {
  const parsed = sweepConfigSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${source} is not a valid sweep config:\n${describeIssues(parsed.error)}`);
  return parsed.data;
}

export async function loadSweepConfig(file: string): Promise<LoadedSweepConfig> {
  const path = resolve(file);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(`cannot read config ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const config = parseSweepConfig(value, path);
  const datasets = resolveDatasets(config, path);
  const dataRoot = config.dataRoot ? (isAbsolute(config.dataRoot) ? config.dataRoot : resolve(dirname(path), config.dataRoot)) : dataRootDefault();
  return { path, config, configHash: hashOf(config), dataRoot, datasets };
}
