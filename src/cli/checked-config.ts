/** The CLI's one way to load a sweep config: the pre-flight, wired with the prompt-template parser. */
import type { LoadedSweepConfig } from '../config/load';
import { preflightSweepConfig, type PreflightOptions } from '../config/preflight';
import { parseTemplateFile } from '../stages/prompts';

/** The config, checked with everything it points at; a ConfigError (exit 2) lists every problem. */
export function checkedSweepConfig(file: string, options: Pick<PreflightOptions, 'machineChecks' | 'onEnvironmentProblems'> = {}): Promise<LoadedSweepConfig> {
  return preflightSweepConfig(file, { parsePromptTemplate: parseTemplateFile, ...options });
}
