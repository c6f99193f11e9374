import { describe, expect, it } from 'vitest';
import type { CompletionRequest } from '../../src/llm/types';
import { createScriptedModel } from '../helpers/scripted-model';

const request = (content: string): CompletionRequest => ({
  messages: [{ role: 'user', content }],
  sampling: { temperature: 0.7, topP: 0.9, repetitionPenalty: 1, maxTokens: 16 },
});

describe('createScriptedModel', () => {
  it('answers in order, records requests and throws when it runs out', async () => {
    const model = createScriptedModel(['first reply', 'second reply']);
    expect((await model.complete(request('one'))).text).toBe('first reply');
    expect((await model.complete(request('two'))).text).toBe('second reply');
    await expect(model.complete(request('three'))).rejects.toThrow(/ran out of replies: request #3.*"three"/);
    expect(model.requests.map((r) => r.messages[0]?.content)).toEqual(['one', 'two', 'three']);
  });

  it('accepts a reply function', async () => {
    const model = createScriptedModel((req, index) => `${index}:${req.messages.at(-1)?.content}`);
    const result = await model.complete(request('hello there'));
    expect(result).toMatchObject({ text: '0:hello there', finishReason: 'stop', usage: { promptTokens: 2, completionTokens: 2 } });
  });
});
