/**
 * The label grammar on the real local model: SmolLM2-135M, asked zero-shot for the topic of a
 * handful of SIB-200 test rows, can only answer with one of the labels, exactly as written.
 */
import { afterAll, expect, it } from 'vitest';
import { loadPromptTemplate } from '../../src/activities/prompt-files';
import { templateMessages } from '../../src/activities/prompt-messages';
import { getDatasetSpec } from '../../src/data/registry';
import { readSplit } from '../../src/data/readers';
import { createLanguageModel } from '../../src/llm/factory';
import { unloadAllLocalModels } from '../../src/llm/local-gguf-runtime';
import { parseProviderConfig } from '../../src/llm/provider-config';
import { parseLabelAnswer } from '../../src/stages/classify';
import { dataRoot } from '../helpers/stack';

const model = createLanguageModel(parseProviderConfig({ kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', concurrency: 1, threads: 1 }));

afterAll(async () => {
  await model.close();
  await unloadAllLocalModels();
});

it('constrains the answer to the label set with a grammar', async () => {
  const spec = getDatasetSpec('sib200');
  const rows = (await readSplit(spec, { dataRoot, language: 'en', split: 'test' })).slice(0, 5);
  expect(rows, 'sib200 en test rows under ../shared/data').toHaveLength(5);
  const loaded = await loadPromptTemplate('prompts/classify/zero-shot.v1.md');
  expect(model.choiceConstraint).toBe('grammar');
  const free: string[] = [];
  for (const row of rows) {
    const messages = templateMessages(loaded, { task: spec.task, labelKind: spec.labelKind, labels: [...spec.labels], language: 'English', text: row.text });
    const sampling = { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 16, seed: 0 };
    const constrained = await model.complete({ messages, sampling, choices: spec.labels });
    expect(spec.labels, `reply ${JSON.stringify(constrained.text)}`).toContain(constrained.text);
    expect(parseLabelAnswer(constrained.text, spec.labels)).toBe(constrained.text);
    free.push((await model.complete({ messages, sampling })).text);
  }
  // Without the grammar the same model answers in free text, often outside the labels.
  console.info('unconstrained replies:', free.map((reply) => JSON.stringify(reply.slice(0, 60))).join(' | '));
}, 240_000);
