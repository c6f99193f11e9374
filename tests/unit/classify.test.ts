import { describe, expect, it } from 'vitest';
import { inContextExamples, testSubset } from '../../src/activities/classify';
import { planCounts, planSweep } from '../../src/config/plan';
import { parseSweepConfig } from '../../src/config/load';
import { labelChoiceGrammar } from '../../src/llm/choice-grammar';
import { parseLabelAnswer, scoreClassifications } from '../../src/stages/classify';

const LABELS = ['positive', 'negative', 'Science/Technology'];

describe('parseLabelAnswer', () => {
  it('accepts exactly one label after trimming, case-folding and one trailing full stop', () => {
    expect(parseLabelAnswer('positive', LABELS)).toBe('positive');
    expect(parseLabelAnswer('  Negative.\n', LABELS)).toBe('negative');
    expect(parseLabelAnswer('science/technology', LABELS)).toBe('Science/Technology');
    expect(parseLabelAnswer('"positive"', LABELS)).toBe('positive');
  });
  it('rejects anything else: extra words, two labels, an empty reply, a near miss', () => {
    for (const reply of ['The label is positive', 'positive, negative', '', 'positiv', 'positive!', '"positive']) expect(parseLabelAnswer(reply, LABELS), reply).toBeUndefined();
  });
});

describe('scoreClassifications', () => {
  it('counts answers outside the labels as wrong and reports their rate', () => {
    const gold = ['a', 'a', 'b', 'b'];
    const scores = scoreClassifications(gold, ['a', undefined, 'b', 'a'], ['a', 'b']);
    expect(scores.accuracy).toBe(0.5);
    expect(scores.outOfLabel).toBe(1);
    expect(scores.outOfLabelRate).toBe(0.25);
    // a: tp 1, gold 2, predicted 2 → F1 0.5; b: tp 1, gold 2, predicted 1 → F1 2/3.
    expect(scores.perClassF1).toEqual({ a: 0.5, b: 2 / 3 });
    expect(scores.macroF1).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
    expect(scores.confusion).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });
  it('refuses a gold label outside the label set', () => {
    expect(() => scoreClassifications(['c'], ['a'], ['a', 'b'])).toThrow(/gold label "c"/);
  });
});

describe('labelChoiceGrammar', () => {
  it('admits exactly the labels, quotes and backslashes escaped', () => {
    expect(labelChoiceGrammar(['yes', 'say "no"', 'a\\b'])).toBe('root ::= "yes" | "say \\"no\\"" | "a\\\\b"');
  });
});

describe('test subset and in-context examples', () => {
  const rows = Array.from({ length: 30 }, (_, index) => ({ id: `r${index}`, text: `t${index}`, label: index % 3 === 0 ? 'a' : index % 3 === 1 ? 'b' : 'c' }));
  it('keeps split order, is balanced and seeded', () => {
    const subset = testSubset(rows, ['a', 'b', 'c'], 9, 1);
    expect(subset).toHaveLength(9);
    expect(subset.map((row) => Number(row.id.slice(1)))).toEqual([...subset.map((row) => Number(row.id.slice(1)))].sort((x, y) => x - y));
    expect(testSubset(rows, ['a', 'b', 'c'], 9, 1)).toEqual(subset);
    expect(testSubset(rows, ['a', 'b', 'c'], undefined, 1)).toHaveLength(30);
  });
  it('draws k per class and names a class with fewer than k', () => {
    const examples = inContextExamples(rows, ['a', 'b', 'c'], 4, 7);
    expect(examples).toHaveLength(12);
    expect(() => inContextExamples(rows, ['a', 'b', 'c'], 11, 7)).toThrow(/fewer than 11 rows of "a" \(10\)/);
  });
});

describe('classifier cells in the plan', () => {
  const base = {
    name: 'llm-as-classifier',
    tasks: [{ dataset: 'sib200' }],
    languages: ['cy', 'sw'],
    strategies: ['TargetDemos'],
    generators: [{ name: 'smol', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }],
    seeds: [1],
    selection: { perLabel: 3 },
    training: { model: 'packaged:multilingual-e5-small' },
  };
  it('appends one cell per classifier and language after the trained cells, which are as without classifiers', () => {
    const without = planSweep(parseSweepConfig(base, 'test'));
    const config = parseSweepConfig(
      {
        ...base,
        classifiers: [
          { generator: 'smol', mode: 'zero-shot' },
          { generator: 'smol', mode: 'in-context', examplesPerLabel: 4, seed: 2 },
        ],
      },
      'test',
    );
    const plan = planSweep(config);
    expect(plan.cells.slice(0, without.cells.length)).toEqual(without.cells);
    expect(plan.cells.slice(without.cells.length).map((cell) => cell.key)).toEqual([
      'sib200.cy.llm.smol.zero-shot.s0',
      'sib200.cy.llm.smol.in-context-k4.s2',
      'sib200.sw.llm.smol.zero-shot.s0',
      'sib200.sw.llm.smol.in-context-k4.s2',
    ]);
    expect(plan.cells.at(-1)?.classifier?.provider).toEqual(config.generators[0]?.provider);
    expect(planCounts(plan).classifierCells).toBe(4);
    expect(planCounts(plan).studentTrainings).toBe(planCounts(without).studentTrainings);
  });
  it('refuses an unknown generator, in-context without k, zero-shot with k, and k outside 2..100', () => {
    const bad = (classifier: Record<string, unknown>) => () => parseSweepConfig({ ...base, classifiers: [classifier] }, 'test');
    expect(bad({ generator: 'nope', mode: 'zero-shot' })).toThrow(/unknown generator "nope"; generators: smol/);
    expect(bad({ generator: 'smol', mode: 'in-context' })).toThrow(/needs examplesPerLabel/);
    expect(bad({ generator: 'smol', mode: 'zero-shot', examplesPerLabel: 4 })).toThrow(/shows no examples/);
    expect(bad({ generator: 'smol', mode: 'in-context', examplesPerLabel: 101 })).toThrow(/examplesPerLabel/);
    expect(bad({ mode: 'zero-shot' })).toThrow(/set either generator/);
  });
});

describe('OpenAI-compatible choice constraint (opt-in)', () => {
  it('sends guided_choice or a JSON-schema response_format only when the provider opts in', async () => {
    const { choiceConstraintFields } = await import('../../src/llm/openai-compatible');
    expect(choiceConstraintFields(undefined, ['a', 'b'])).toEqual({});
    expect(choiceConstraintFields('guided-choice', undefined)).toEqual({});
    expect(choiceConstraintFields('guided-choice', ['a', 'b'])).toEqual({ guided_choice: ['a', 'b'] });
    expect(choiceConstraintFields('json-schema', ['a', 'b'])).toEqual({
      response_format: { type: 'json_schema', json_schema: { name: 'label', strict: true, schema: { type: 'string', enum: ['a', 'b'] } } },
    });
  });
});
