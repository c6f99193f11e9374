/** Renders a loaded template into chat messages (an empty system section sends no system message). */
import type { ChatMessage } from '../llm/types';
import { renderPrompt, type TemplateVariables } from '../stages/prompts';
import type { LoadedTemplate } from './prompt-files';

export function templateMessages(loaded: LoadedTemplate, variables: TemplateVariables): ChatMessage[] {
  const { system, user } = renderPrompt(loaded.template, variables);
  return system.trim() ? [{ role: 'system', content: system }, { role: 'user', content: user }] : [{ role: 'user', content: user }];
}
