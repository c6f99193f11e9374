/** The request an OpenAI-compatible chat body stands for, so a recorded request can be sent again through a provider. */
import type { CompletionRequest } from '../src/llm/types';

export interface ChatBodyLike {
  messages: { role: string; content: string }[];
  max_tokens?: number | undefined;
  seed?: number | undefined;
  [key: string]: unknown;
}

export function requestOf(body: ChatBodyLike): CompletionRequest {
  const number = (key: string, fallback: number) => (typeof body[key] === 'number' ? (body[key] as number) : fallback);
  return {
    messages: body.messages.map((message) => ({ role: message.role as 'system' | 'user' | 'assistant', content: message.content })),
    sampling: {
      temperature: number('temperature', 1),
      topP: number('top_p', 1),
      repetitionPenalty: number('repetition_penalty', 1),
      maxTokens: body.max_tokens ?? 128,
      ...(body.seed === undefined ? {} : { seed: body.seed }),
    },
  };
}
