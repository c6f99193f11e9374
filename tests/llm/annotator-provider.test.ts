/**
 * Study C's LLM annotator on real backends, SmolLM2-135M both times: on the real local GGUF model
 * the grammar holds the answer to the label set and there is no confidence (the local backend
 * returns no log-probabilities); on the real llama-cpp-python OpenAI-compatible server the reply's
 * log-probabilities come back and give a confidence in (0, 1].
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPromptTemplate } from '../../src/activities/prompt-files';
import { templateMessages } from '../../src/activities/prompt-messages';
import { getDatasetSpec } from '../../src/data/registry';
import { readSplit } from '../../src/data/readers';
import { createLanguageModel } from '../../src/llm/factory';
import { unloadAllLocalModels } from '../../src/llm/local-gguf-runtime';
import { resolveModelPath } from '../../src/llm/packaged-models';
import { parseProviderConfig } from '../../src/llm/provider-config';
import type { ChatMessage } from '../../src/llm/types';
import { readAnnotatorReply } from '../../src/stages/llm-annotation';
import { startLlamaServer, type LlamaServer } from '../helpers/llama-server';
import { dataRoot } from '../helpers/stack';

const spec = getDatasetSpec('sentiment');
const sampling = { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0 };
let messages: ChatMessage[][] = [];

beforeAll(async () => {
  const rows = (await readSplit(spec, { dataRoot, language: 'en', split: 'test' })).slice(0, 3);
  expect(rows, 'sentiment en test rows under ../shared/data').toHaveLength(3);
  const loaded = await loadPromptTemplate('prompts/annotate/label.v1.md');
  messages = rows.map((row) => templateMessages(loaded, { task: spec.task, labelKind: spec.labelKind, labels: [...spec.labels], language: 'English', text: row.text }));
});

describe('LLM annotator on the real local model', () => {
  const model = createLanguageModel(parseProviderConfig({ kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', concurrency: 1, threads: 1 }));
  afterAll(async () => {
    await model.close();
    await unloadAllLocalModels();
  });
  it('answers one of the labels (grammar), without a confidence', async () => {
    for (const request of messages) {
      const reply = await model.complete({ messages: request, sampling, choices: spec.labels, logprobs: true });
      const answer = readAnnotatorReply(reply.text, spec.labels, reply.logprob);
      expect(spec.labels, `reply ${JSON.stringify(reply.text)}`).toContain(answer.label);
      expect(answer.confidence).toBeUndefined();
    }
  }, 120_000);
});

describe('LLM annotator on the real llama-cpp-python server', () => {
  let server: LlamaServer | undefined;
  beforeAll(async () => {
    server = await startLlamaServer({ modelPath: resolveModelPath('packaged:smollm2-135m-instruct') });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });
  it('returns the reply log-probability: a confidence in (0, 1], and none unless asked', async () => {
    const model = createLanguageModel(parseProviderConfig({ kind: 'openai-compatible', baseURL: server!.baseURL, model: 'smollm2', apiKeyEnv: 'SYNTHLAB_TEST_UNSET_KEY', faultBudgetSeconds: 0 }), { env: {} });
    for (const request of messages) {
      const reply = await model.complete({ messages: request, sampling, choices: spec.labels, logprobs: true });
      expect(reply.logprob, `reply ${JSON.stringify(reply.text)}`).toEqual(expect.any(Number));
      expect(reply.logprob).toBeLessThanOrEqual(0);
      const answer = readAnnotatorReply(reply.text, spec.labels, reply.logprob);
      expect(answer.confidence).toBeGreaterThan(0);
      expect(answer.confidence).toBeLessThanOrEqual(1);
      // Strict parsing: a label or null, never a guess.
      expect([...spec.labels, null]).toContain(answer.label);
    }
    const plain = await model.complete({ messages: messages[0]!, sampling, choices: spec.labels });
    expect(plain.logprob).toBeUndefined();
    await model.close();
  }, 120_000);
});
