import type { CompletionRequest, CompletionResult, LanguageModel } from '../../src/llm/types';

export type ScriptedReplies = readonly string[] | ((request: CompletionRequest, index: number) => string);

export interface ScriptedModel extends LanguageModel {
  /** Every request received, in order. */
  readonly requests: CompletionRequest[];
}

/**
 * A LanguageModel for unit tests of other modules: answers from a script, records every request,
 * and throws when the script runs out rather than inventing an answer.
 */
export function createScriptedModel(replies: ScriptedReplies, options: { id?: string } = {}): ScriptedModel {
  const requests: CompletionRequest[] = [];
  let closed = false;

  function nextReply(request: CompletionRequest, index: number): string {
    if (typeof replies === 'function') return replies(request, index);
    const reply = replies[index];
    if (reply === undefined) {
      const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
      throw new Error(
        `Scripted model ran out of replies: request #${index + 1} arrived but only ${replies.length} ` +
          `were scripted. Last user message: ${JSON.stringify(lastUser?.content.slice(0, 200) ?? '')}`,
      );
    }
    return reply;
  }

  return {
    id: options.id ?? 'scripted:fake',
    contextSize: undefined,
    requests,

    async complete(request): Promise<CompletionResult> {
      if (closed) throw new Error('Scripted model used after close()');
      const index = requests.length;
      requests.push(request);
      const text = nextReply(request, index);
      const completionTokens = countWords(text);
      const length = completionTokens >= request.sampling.maxTokens;
      return {
        text,
        finishReason: length ? 'length' : 'stop',
        usage: {
          promptTokens: request.messages.reduce((sum, message) => sum + countWords(message.content), 0),
          completionTokens,
        },
        model: options.id ?? 'scripted:fake',
      };
    },

    async countTokens(text) {
      return countWords(text);
    },

    async close() {
      closed = true;
    },
  };
}

function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}
