/** Loads a versioned prompt template file; its text hash goes into cache keys. */
import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { sha256Of } from '../artifacts/store';
import { checkUtf8, TextEncodingError } from '../data/text-encoding';
import { resolveFromRepo } from '../infra/paths';
import { parseTemplateFile, type PromptTemplate } from '../stages/prompts';

export interface LoadedTemplate {
  template: PromptTemplate;
  path: string;
  sha256: string;
}

export async function loadPromptTemplate(file: string): Promise<LoadedTemplate> {
  const path = resolveFromRepo(file);
  const bytes = await readFile(path).catch(() => {
    throw ApplicationFailure.create({ type: 'ConfigError', message: `prompt template not found: ${path}`, nonRetryable: true });
  });
  try {
    checkUtf8(bytes);
  } catch (error) {
    if (!(error instanceof TextEncodingError)) throw error;
    throw ApplicationFailure.create({ type: 'ConfigError', message: `prompt template ${path}, line ${error.line}: ${error.problem}`, nonRetryable: true });
  }
  // Decoded as before (a byte-order mark stays in the text), so the template's hash and the cache keys built from it do not change.
  const text = bytes.toString('utf8');
  try {
    return { template: parseTemplateFile(text), path, sha256: sha256Of(text) };
  } catch (error) {
    throw ApplicationFailure.create({
      type: 'ConfigError',
      message: `prompt template ${path} is invalid: ${error instanceof Error ? error.message : String(error)}`,
      nonRetryable: true,
    });
  }
}
