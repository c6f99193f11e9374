/**
 * Translate-train's request against the real local GGUF model (SmolLM2-135M): the real prompt
 * file rendered for a numbered batch, the reply parsed and checked as the translate activity does.
 * A 135M model translates badly; what is checked is the structure: one outcome per row, each a
 * translation or a drop with a known reason, and the request's usage.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadPromptTemplate } from '../../src/activities/prompt-files';
import { translationMessages, translationOutcomes } from '../../src/activities/translate';
import { getLanguage } from '../../src/data/languages';
import { createLanguageModel } from '../../src/llm/factory';
import { unloadAllLocalModels } from '../../src/llm/local-gguf-runtime';
import { parseProviderConfig } from '../../src/llm/provider-config';
import { normalizeForDedupe } from '../../src/stages/normalize';
import { isInExpectedScript } from '../../src/stages/script-check';
import { TRANSLATION_DROP_REASONS } from '../../src/stages/translation';

const model = createLanguageModel(parseProviderConfig({ kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', concurrency: 1, threads: 1 }));

afterAll(async () => {
  await model.close();
  await unloadAllLocalModels();
});

const sampling = { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 160 };

describe('translation requests to the real local model', () => {
  it('translates a numbered batch of single texts into German: one outcome per row', async () => {
    const loaded = await loadPromptTemplate('prompts/translate/translate.v1.md');
    const batch = [{ text: 'The film was wonderful.' }, { text: 'I did not like the ending.' }, { text: 'The actors were boring.' }];
    const messages = translationMessages(loaded, { source: getLanguage('en'), target: getLanguage('de') }, batch, false);
    expect(messages.at(-1)?.content).toContain('1. The film was wonderful.\n2. I did not like the ending.\n3. The actors were boring.');
    const reply = await model.complete({ messages, sampling });
    console.info('translate reply:', JSON.stringify(reply.text.slice(0, 400)), reply.usage);
    expect(reply.usage.promptTokens).toBeGreaterThan(50);
    expect(reply.usage.completionTokens).toBeGreaterThan(0);
    const outcomes = translationOutcomes(batch, reply, false, 'Latin');
    expect(outcomes).toHaveLength(batch.length);
    outcomes.forEach((outcome, index) => {
      if (outcome.kind === 'translated') {
        expect(outcome.text.trim().length).toBeGreaterThan(0);
        expect(outcome.textPair).toBeUndefined();
        // A copy of the source is never kept (SmolLM2-135M often answers with the English lines).
        expect(normalizeForDedupe(outcome.text)).not.toBe(normalizeForDedupe(batch[index]?.text ?? ''));
      } else {
        expect(TRANSLATION_DROP_REASONS).toContain(outcome.reason);
      }
    });
  }, 240_000);

  it('translates an NLI pair as premise ||| hypothesis into Hindi: a kept pair has both sides, in Devanagari', async () => {
    const loaded = await loadPromptTemplate('prompts/translate/translate.v1.md');
    const batch = [{ text: 'A man is playing a guitar.', textPair: 'Someone is making music.' }];
    const messages = translationMessages(loaded, { source: getLanguage('en'), target: getLanguage('hi') }, batch, true);
    expect(messages.at(-1)?.content).toContain('1. A man is playing a guitar. ||| Someone is making music.');
    const reply = await model.complete({ messages, sampling });
    console.info('translate pair reply:', JSON.stringify(reply.text.slice(0, 400)));
    const [outcome] = translationOutcomes(batch, reply, true, 'Devanagari');
    expect(outcome).toBeDefined();
    if (outcome?.kind === 'translated') {
      expect(outcome.text.length).toBeGreaterThan(0);
      expect(outcome.textPair?.length).toBeGreaterThan(0);
      expect(isInExpectedScript(outcome.text, 'Devanagari') && isInExpectedScript(outcome.textPair ?? '', 'Devanagari')).toBe(true);
    } else {
      expect(TRANSLATION_DROP_REASONS).toContain(outcome?.reason);
    }
  }, 240_000);
});
