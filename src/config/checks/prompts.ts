/**
 * Pre-flight of the prompt templates the sweep's strategies use: each exists, is a regular UTF-8
 * file of a sane size, and parses as a template (the parser is passed in: templates are stage
 * logic, which the config layer does not import).
 */
import { DataError, readDataFile } from '../../data/readers';
import { decodeUtf8Strict, TextEncodingError } from '../../data/text-encoding';
import { resolveFromRepo } from '../../infra/paths';
import type { ConfigProblem } from '../load';
import type { SweepConfig } from '../schema';
import { generationPromptField, generationPromptFile, strategySettings } from '../strategies';

/** Throws an Error whose message says what is wrong with a template's text. */
export type PromptTemplateParser = (text: string, sourceName: string) => unknown;

const MAX_PROMPT_BYTES = 1024 * 1024;

export type PromptCheckConfig = Pick<SweepConfig, 'strategies'> & Partial<Pick<SweepConfig, 'generation' | 'revision' | 'labelDescriptions' | 'translate' | 'annotation'>>;

/** The template files the strategies use, each with the config field that names it. */
export function promptFilesUsed(config: PromptCheckConfig): { field: string; path: string }[] {
  const used = new Map<string, { field: string; path: string }>();
  const add = (field: string, path: string | undefined) => {
    if (path !== undefined && !used.has(field)) used.set(field, { field, path });
  };
  for (const strategy of config.strategies.map(strategySettings)) {
    const prompts = config.generation?.prompts;
    if (prompts !== undefined) add(`generation.prompts.${generationPromptField(strategy)}`, generationPromptFile(strategy, prompts));
    if (strategy.revision) add('revision.prompt', config.revision?.prompt);
    if (strategy.summarizedLabel && config.labelDescriptions?.source === 'llm') add('labelDescriptions.prompt', config.labelDescriptions.prompt);
  }
  add('translate.prompt', config.translate?.prompt);
  (config.annotation?.llmAnnotators ?? []).forEach((annotator, index) => add(`annotation.llmAnnotators.${index}.prompt`, annotator.prompt));
  return [...used.values()];
}

export async function checkPromptFiles(config: PromptCheckConfig, parseTemplate: PromptTemplateParser): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  for (const { field, path } of promptFilesUsed(config)) {
    const file = resolveFromRepo(path);
    try {
      const bytes = await readDataFile(file);
      if (bytes.byteLength > MAX_PROMPT_BYTES) throw new DataError(`${bytes.byteLength} bytes, more than the ${MAX_PROMPT_BYTES} a prompt template may have`, file, 0);
      parseTemplate(decodeUtf8Strict(bytes), file);
    } catch (error) {
      if (error instanceof DataError) problems.push({ field, file, line: error.line ?? 0, message: error.problem });
      else if (error instanceof TextEncodingError) problems.push({ field, file, line: error.line, message: error.problem });
      else {
        // The first line only: a YAML error goes on to quote the template's source.
        const message = (error instanceof Error ? error.message : String(error)).replace(`${file}: `, '').split('\n')[0];
        problems.push({ field, file, message: `not a valid prompt template: ${message}` });
      }
    }
  }
  return problems;
}
