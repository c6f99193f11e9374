/**
 * Study C's pure parts: an annotator's reply read as a label with its confidence, the rebalanced
 * label distribution, the reply's log-probability from an OpenAI-compatible choice, the config
 * rules and the plan's regime cells, and the unlabelled prompt templates.
 */
import { describe, expect, it } from 'vitest';
import { loadPromptTemplate } from '../../src/activities/prompt-files';
import { buildMessages } from '../../src/activities/generate';
import { promptFilesUsed } from '../../src/config/checks/prompts';
import { ConfigError, parseSweepConfig } from '../../src/config/load';
import { planCounts, planSweep } from '../../src/config/plan';
import { logprobOf } from '../../src/llm/openai-compatible';
import { readAnnotatorReply, rebalanceLabels } from '../../src/stages/llm-annotation';
import { parseGeneratedLines, parseGeneratedPairs } from '../../src/stages/parse-generations';

const studyC = {
  name: 'unit-c',
  tasks: [{ dataset: 'sentiment', evaluation: { dataset: 'sentiment', languages: ['sw'] } }],
  languages: ['en'],
  strategies: ['Unlabelled'],
  generators: [{ name: 'smollm2', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }],
  seeds: [1, 2],
  generation: { samplesPerLabel: 20 },
  teacher: { training: { model: 'packaged:multilingual-e5-small', maxEpochs: 2 }, perLabel: 10 },
  annotation: { annotators: ['prompt', 'teacher'], llmAnnotators: [{ name: 'small', generator: 'smollm2' }], calibrationPerLabel: 5 },
  selection: { perLabel: 10, labels: ['prompt', 'teacher-hard'], regimes: ['mix', 'warmup', 'reverse'] },
  baselines: ['SRC', 'SRC+GEN'],
  training: { model: 'packaged:multilingual-e5-small' },
  goldBaseline: false,
};

function problemsOf(value: unknown): string {
  try {
    parseSweepConfig(value, 'unit.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

describe('an LLM annotator reply', () => {
  const labels = ['negative', 'positive'];
  it('names a label, with the reply probability as confidence when the log-probability is known', () => {
    expect(readAnnotatorReply(' Positive.', labels, Math.log(0.8))).toEqual({ label: 'positive', confidence: expect.closeTo(0.8, 10) });
    expect(readAnnotatorReply('"negative"', labels, undefined)).toEqual({ label: 'negative' });
  });
  it('outside the labels is null, not a guess', () => {
    expect(readAnnotatorReply('positive, mostly', labels, -0.1)).toEqual({ label: null, confidence: expect.closeTo(Math.exp(-0.1), 10) });
    expect(readAnnotatorReply('I think it is negative', labels, undefined)).toEqual({ label: null });
  });
});

describe('rebalanced label distribution', () => {
  const rows = [
    ...Array.from({ length: 7 }, (_, index) => ({ id: `n${index}`, label: 'negative' })),
    ...Array.from({ length: 3 }, (_, index) => ({ id: `p${index}`, label: 'positive' })),
  ];
  it('downsamples every label to the smallest count, seeded, and records what each lost', () => {
    const result = rebalanceLabels(rows, ['negative', 'positive'], 4);
    expect(result.perLabel).toBe(3);
    expect(result.kept.filter((row) => row.label === 'negative')).toHaveLength(3);
    expect(result.kept.filter((row) => row.label === 'positive')).toHaveLength(3);
    expect(result.removedByLabel).toEqual({ negative: 4, positive: 0 });
    expect(rebalanceLabels(rows, ['negative', 'positive'], 4).kept).toEqual(result.kept);
    expect(rebalanceLabels([...rows].reverse(), ['negative', 'positive'], 4).kept.map((row) => row.id).sort()).toEqual(result.kept.map((row) => row.id).sort());
  });
  it('a label no row has empties the balanced set; an unknown label is an error', () => {
    expect(rebalanceLabels(rows.slice(0, 7), ['negative', 'positive'], 1).kept).toEqual([]);
    expect(() => rebalanceLabels([{ id: 'x', label: 'neutral' }], ['negative', 'positive'], 1)).toThrow(/"neutral", not one of negative, positive/);
  });
});

describe('log-probabilities of an OpenAI-compatible reply', () => {
  it('sums the tokens of logprobs.content', () => {
    expect(logprobOf({ logprobs: { content: [{ logprob: -0.5 }, { logprob: -0.25 }] } })).toEqual({ logprob: -0.75 });
  });
  it('gives nothing when the server sent none, or a token without one', () => {
    expect(logprobOf({ logprobs: null })).toEqual({});
    expect(logprobOf({})).toEqual({});
    expect(logprobOf({ logprobs: { content: [{ logprob: -0.5 }, {}] } })).toEqual({});
    expect(logprobOf(undefined)).toEqual({});
  });
});

describe('study C config', () => {
  it('plans one product, the teacher, and a cell per regime for the cells with gold and synthetic rows', () => {
    const plan = planSweep(parseSweepConfig(studyC, 'unit.yaml'));
    expect(plan.dataProducts).toHaveLength(1);
    const product = plan.dataProducts[0]!;
    expect(product.annotation?.llm?.labelFrom).toBe('small');
    expect(product.annotation?.llm?.calibrationPerLabel).toBe(5);
    const keys = plan.cells.filter((cell) => cell.seed === 1).map((cell) => cell.key);
    expect(keys).toEqual([
      'sentiment.en.Unlabelled.smollm2.rand.prompt→sw.s1',
      'sentiment.en.Unlabelled.smollm2.rand.teacher-hard→sw.s1',
      'sentiment.en.Unlabelled.smollm2.SRC+GEN→sw.mix.s1',
      'sentiment.en.Unlabelled.smollm2.SRC+GEN→sw.warmup.s1',
      'sentiment.en.Unlabelled.smollm2.SRC+GEN→sw.reverse.s1',
      'sentiment.en.SRC→sw.s1',
    ]);
    const regimes = plan.cells.filter((cell) => cell.seed === 1).map((cell) => cell.training.regime);
    expect(regimes).toEqual(['standard', 'standard', 'mix', 'warmup', 'reverse', 'standard']);
    expect(planCounts(plan)).toMatchObject({ teachers: 1, annotations: 1, studentTrainings: 12 });
    // The schema's cell count (its MAX_CELLS check) agrees with the plan.
    expect(plan.cells).toHaveLength(12);
  });

  it('a product key does not change with an annotator model’s concurrency, and does with its prompt', () => {
    const keyOf = (annotation: object) => planSweep(parseSweepConfig({ ...studyC, annotation: { ...studyC.annotation, ...annotation } }, 'unit.yaml')).dataProducts[0]!.key;
    const base = keyOf({});
    const busier = planSweep(
      parseSweepConfig({ ...studyC, generators: [{ name: 'smollm2', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', concurrency: 3 } }] }, 'unit.yaml'),
    ).dataProducts[0]!.key;
    expect(busier).toBe(base);
    expect(keyOf({ llmAnnotators: [{ name: 'small', generator: 'smollm2', prompt: 'prompts/annotate/other.md' }] })).not.toBe(base);
    expect(keyOf({ labelDistribution: 'rebalanced' })).not.toBe(base);
  });

  it('names what is wrong', () => {
    const { llmAnnotators: _llmAnnotators, ...withoutAnnotators } = studyC.annotation;
    expect(problemsOf({ ...studyC, annotation: withoutAnnotators })).toMatch(/strategy "Unlabelled" generates texts without a label: set annotation.llmAnnotators/);
    expect(problemsOf({ ...studyC, annotation: { ...studyC.annotation, labelFrom: 'prompt' } })).toMatch(/annotation.labelFrom.*"prompt" is not an annotator whose labels rows can take; allowed: small/s);
    expect(problemsOf({ ...studyC, annotation: { ...studyC.annotation, llmAnnotators: [{ name: 'small', generator: 'gpt' }] } })).toMatch(/unknown generator "gpt"; generators: smollm2/);
    expect(problemsOf({ ...studyC, training: { model: 'm', method: 'linear-probe' } })).toMatch(/selection.regimes.*linear-probe.*no phases/s);
    expect(problemsOf({ ...studyC, baselines: ['SRC'] })).toMatch(/regimes order source \(gold\) and synthetic rows/);
    expect(problemsOf({ ...studyC, annotation: { ...studyC.annotation, labelDistribution: 'balanced' } })).toMatch(/labelDistribution/);
    expect(problemsOf(studyC)).toBe('');
  });

  it('the pre-flight checks the annotator prompt files', () => {
    const config = parseSweepConfig(studyC, 'unit.yaml');
    expect(promptFilesUsed(config)).toContainEqual({ field: 'annotation.llmAnnotators.0.prompt', path: 'prompts/annotate/label.v1.md' });
    expect(promptFilesUsed(config)).toContainEqual({ field: 'generation.prompts.unlabelled', path: 'prompts/generate/unlabelled.v1.md' });
  });
});

describe('unlabelled prompts and replies', () => {
  const parts = { languageName: 'English', script: 'Latin', taskDescription: 'sentiment of reviews', labelKind: 'sentiment', label: 'positive', labelDescription: '', count: 5 };
  it('the single-text template names no label; its reply parses like any generation', async () => {
    const loaded = await loadPromptTemplate('prompts/generate/unlabelled.v1.md');
    const user = buildMessages(loaded, parts, []).find((message) => message.role === 'user')!.content;
    expect(user).toContain('Write 5 new, varied texts in English');
    expect(user).not.toContain('positive');
    const parsed = parseGeneratedLines('Here are 3 texts:\n1. The battery died after two days.\n- "I loved every minute of this film."\nA good pair of boots for the', { minChars: 10, maxChars: 100, finishReason: 'length' });
    expect(parsed.kept).toEqual(['The battery died after two days.', 'I loved every minute of this film.']);
  });
  it('the pairs template has the pairs role and names no relation; pair replies parse strictly', async () => {
    const loaded = await loadPromptTemplate('prompts/generate/unlabelled-pairs.v1.md');
    expect(loaded.template.role).toBe('generate-pairs');
    const user = buildMessages(loaded, { ...parts, label: 'entailment' }, []).find((message) => message.role === 'user')!.content;
    expect(user).not.toContain('"entailment"');
    const parsed = parseGeneratedPairs('A man walks his dog in the park. ||| A man is outside.\nno separator here at all\nlast ||| cut', { minChars: 10, maxChars: 200, finishReason: 'length' });
    expect(parsed.kept).toEqual([{ text: 'A man walks his dog in the park.', textPair: 'A man is outside.' }]);
  });
});
