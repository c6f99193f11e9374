/**
 * NLI text pairs through generation: the reply parser's strict line format, the pair dedupe key,
 * the pairs prompt template, and the helpers the generate and revise activities use.
 */
import { describe, expect, it } from 'vitest';
import { buildMessages, candidateTexts, checkTemplateRole } from '../../src/activities/generate';
import { loadPromptTemplate } from '../../src/activities/prompt-files';
import { getDatasetSpec } from '../../src/data/registry';
import { dedupeSamples } from '../../src/stages/dedupe';
import { parseGeneratedPairs } from '../../src/stages/parse-generations';
import { formatPairLine, pairDedupeKey, pairForJudge, splitPairLine } from '../../src/stages/text-pairs';

describe('parseGeneratedPairs', () => {
  it('keeps `premise ||| hypothesis` lines, strips numbering and echoes, and says why each other line went', () => {
    const raw = [
      'Here are 6 pairs of sentences:',
      '1. A man is playing a guitar on a stage. ||| A man is performing music.',
      '2) "Two children run along the beach." ||| "Kids are outside."',
      '- **Premise:** The shop closes at nine. ||| **Hypothesis:** The shop is open at night.',
      'Premise: A woman reads in the park. ||| Hypothesis: Someone is reading.',
      'A dog sleeps on the sofa. A cat watches it.',
      'Too many ||| separators here ||| in one line',
      'Short ||| A cook is preparing dinner in a kitchen.',
      'A cook is preparing dinner in a kitchen. ||| ',
      'Note: all pairs are entailment.',
      '6. The bus was late this morning. ||| The bus arri',
    ].join('\n');
    const result = parseGeneratedPairs(raw, { finishReason: 'length', minChars: 10, maxChars: 100 });
    expect(result.kept).toEqual([
      { text: 'A man is playing a guitar on a stage.', textPair: 'A man is performing music.' },
      { text: 'Two children run along the beach.', textPair: 'Kids are outside.' },
      { text: 'The shop closes at nine.', textPair: 'The shop is open at night.' },
      { text: 'A woman reads in the park.', textPair: 'Someone is reading.' },
    ]);
    expect(result.dropped.map((drop) => drop.reason)).toEqual(['preamble', 'not_a_pair', 'not_a_pair', 'too_short', 'empty', 'meta', 'truncated']);
  });

  it('applies the length bounds to each side on its own, in graphemes', () => {
    const parse = (line: string) => parseGeneratedPairs(line, { finishReason: 'stop', minChars: 5, maxChars: 20 });
    expect(parse('Four ||| Five chars or more').dropped[0]?.reason).toBe('too_short');
    expect(parse('Long enough ||| but this hypothesis is far too long').dropped[0]?.reason).toBe('too_long');
    expect(parse('नमस्ते दोस्त ||| यह एक वाक्य है').kept).toHaveLength(1);
    // The last line counts as whole when the reply stopped by itself.
    expect(parse('Long enough ||| and fine too').kept).toEqual([{ text: 'Long enough', textPair: 'and fine too' }]);
  });
});

describe('pair lines and keys', () => {
  it('round-trips a pair through its line', () => {
    const pair = { text: 'A man sings.', textPair: 'Someone makes sound.' };
    expect(formatPairLine(pair)).toBe('A man sings. ||| Someone makes sound.');
    expect(splitPairLine(formatPairLine(pair))).toEqual(pair);
    expect(splitPairLine('no separator')).toBeUndefined();
    expect(() => candidateTexts('no separator', true)).toThrow(/exactly one/);
    expect(candidateTexts('plain text', false)).toEqual({ text: 'plain text' });
  });

  it('keys a pair on both normalised sides, in order', () => {
    expect(pairDedupeKey({ text: 'A man, singing!', textPair: 'SOMEONE sings' })).toBe(pairDedupeKey({ text: 'a man singing', textPair: 'someone sings.' }));
    expect(pairDedupeKey({ text: 'A b', textPair: 'c' })).not.toBe(pairDedupeKey({ text: 'A', textPair: 'b c' }));
    expect(pairDedupeKey({ text: 'one', textPair: 'two' })).not.toBe(pairDedupeKey({ text: 'two', textPair: 'one' }));
    expect(pairDedupeKey({ text: '!!!', textPair: 'two' })).toBe('');
  });

  it('shows a judge both texts, named', () => {
    expect(pairForJudge({ text: 'P.', textPair: 'H.' })).toBe('Premise: P.\nHypothesis: H.');
  });
});

describe('dedupeSamples on pairs', () => {
  it('removes a repeated pair, keeps pairs that share one side, and drops a pair of the test split', () => {
    const samples = [
      { id: 'a', text: 'A man plays guitar.', textPair: 'A man makes music.', label: 'entailment' },
      { id: 'b', text: 'a man plays guitar', textPair: 'A man makes music!', label: 'entailment' },
      { id: 'c', text: 'A man plays guitar.', textPair: 'A man is asleep.', label: 'contradiction' },
      { id: 'd', text: 'A man plays guitar.', textPair: 'A man makes music.', label: 'neutral' },
      { id: 'e', text: 'Two dogs run.', textPair: 'Animals move.', label: 'entailment' },
      { id: 'f', text: 'Two dogs run.', label: 'entailment' },
    ];
    const result = dedupeSamples(samples, {
      against: [
        { text: 'two dogs run', textPair: 'animals move', source: 'test' },
        { text: 'A man is asleep.', source: 'test' }, // a single text never matches a pair
      ],
    });
    expect(result.kept.map((sample) => sample.id)).toEqual(['c', 'f']);
    expect(Object.fromEntries(result.removed.map((removal) => [removal.sample.id, removal.reason]))).toEqual({
      a: 'duplicate_across_labels',
      b: 'duplicate_across_labels',
      d: 'duplicate_across_labels',
      e: 'matches_test',
    });
  });
});

describe('the pairs generation template', () => {
  it('renders pair demos in the reply format, and only pair tasks may use it', async () => {
    const loaded = await loadPromptTemplate('prompts/generate/pairs.v1.md');
    const messages = buildMessages(
      loaded,
      { languageName: 'Swahili', script: 'Latin', taskDescription: 'natural language inference', labelKind: 'relation', label: 'neutral', labelDescription: '', count: 5 },
      [{ id: 'x', text: 'Mtoto anacheza.', textPair: 'Mtoto ana furaha.', label: 'neutral' }],
    );
    const user = messages.at(-1)?.content ?? '';
    expect(user).toContain('Mtoto anacheza. ||| Mtoto ana furaha.');
    expect(user).toContain('premise ||| hypothesis');
    expect(() => checkTemplateRole(loaded, 'xnli', true)).not.toThrow();
    expect(() => checkTemplateRole(loaded, 'sib200', false)).toThrow(/single texts/);
    const single = await loadPromptTemplate('prompts/generate/target-demos.v1.md');
    expect(() => checkTemplateRole(single, 'xnli', false)).not.toThrow();
    expect(() => checkTemplateRole(single, 'xnli', true)).toThrow(/pairs template/);
    expect(getDatasetSpec('xnli').columns.textPair).toBeDefined();
  });
});
