/** A short chat request for provider tests. */
import type { CompletionRequest } from '../../src/llm/types';

export function request(question: string, maxTokens = 24): CompletionRequest {
  return {
    messages: [
      { role: 'system', content: 'You are a concise assistant.' },
      { role: 'user', content: question },
    ],
    sampling: { temperature: 0.7, topP: 0.9, repetitionPenalty: 1.1, maxTokens, seed: 7 },
  };
}
