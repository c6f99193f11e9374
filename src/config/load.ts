/**
 * Reads a sweep config file (YAML), validates it, and resolves what depends on this machine
 * (the data root). Errors name the file, the field and what was expected.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { dataRootDefault } from '../data/readers';
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
  const dataRoot = config.dataRoot ? (isAbsolute(config.dataRoot) ? config.dataRoot : resolve(dirname(path), config.dataRoot)) : dataRootDefault();
  return { path, config, configHash: hashOf(config), dataRoot };
}
