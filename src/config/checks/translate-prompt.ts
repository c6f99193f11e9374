/**
 * Translate-train's prompt file is read even with --config-only: the translated products are keyed
 * by its sha256 (never its path), so there is no plan without it. A config that pins the sha256
 * must name a file with exactly that content.
 */
import { readFile } from 'node:fs/promises';
import { sha256Of } from '../../artifacts/store';
import { resolveFromRepo } from '../../infra/paths';
import type { ConfigProblem } from '../load';
import type { TranslateSettings } from '../schema';

export async function resolveTranslatePrompt(settings: TranslateSettings): Promise<{ settings: TranslateSettings; problems: ConfigProblem[] }> {
  const file = resolveFromRepo(settings.prompt);
  let text: string;
  try {
    // Decoded as loadPromptTemplate decodes it, so the two compute the same sha256.
    text = (await readFile(file)).toString('utf8');
  } catch (error) {
    return { settings, problems: [{ field: 'translate.prompt', file, message: `cannot read the translation prompt: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }] };
  }
  const sha256 = sha256Of(text);
  if (settings.promptSha256 !== undefined && settings.promptSha256 !== sha256) {
    return { settings, problems: [{ field: 'translate.promptSha256', file, message: `the prompt file has sha256 ${sha256}, the config pins ${settings.promptSha256}` }] };
  }
  return { settings: { ...settings, promptSha256: sha256 }, problems: [] };
}
