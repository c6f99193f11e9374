/** Agreement between annotators and with gold, against hand computations. */
import { describe, expect, it } from 'vitest';
import { agreementMarkdown, annotatorAgreement } from '../../src/stages/annotator-agreement';

const labels = ['neg', 'pos'];

describe('annotatorAgreement', () => {
  it('computes pairwise kappa and confusion, leaving out rows without a label', () => {
    // prompt × llm on the 4 rows both labelled: (neg,neg) (neg,pos) (pos,pos) (pos,pos).
    // p_o = 3/4; prompt marginals neg 2/4, pos 2/4; llm neg 1/4, pos 3/4; p_e = 2/16 + 6/16 = 1/2; kappa = (0.75 - 0.5) / 0.5 = 0.5.
    const result = annotatorAgreement(
      [
        { name: 'prompt', labels: ['neg', 'neg', 'pos', 'pos', 'pos'] },
        { name: 'llm', labels: ['neg', 'pos', 'pos', 'pos', undefined] },
        { name: 'teacher', labels: ['neg', 'neg', 'pos', 'pos', 'pos'] },
      ],
      labels,
      ['neg', undefined, 'pos', 'neg', 'pos'],
    );
    const [promptLlm, promptTeacher, llmTeacher] = result.pairs;
    expect(promptLlm).toMatchObject({ first: 'prompt', second: 'llm', rows: 4, unlabelled: 1, overall: 0.75, confusion: [[1, 1], [0, 2]] });
    expect(promptLlm?.kappa).toBeCloseTo(0.5, 12);
    expect(promptTeacher).toMatchObject({ rows: 5, unlabelled: 0, overall: 1, kappa: 1 });
    expect(llmTeacher?.first).toBe('llm');
    // Against gold on rows 0, 2, 3 (and 4 for prompt and teacher): prompt agrees on 0, 2, 4, not 3.
    expect(result.againstGold.map((pair) => [pair.first, pair.second, pair.rows, pair.overall])).toEqual([
      ['prompt', 'gold', 4, 0.75],
      ['llm', 'gold', 3, 2 / 3],
      ['teacher', 'gold', 4, 0.75],
    ]);
    expect(agreementMarkdown(result)).toContain('| prompt × llm | 4 | 1 | 0.750 | 0.500 |');
  });

  it('refuses a label outside the set, rows of different counts and a name twice', () => {
    expect(() => annotatorAgreement([{ name: 'a', labels: ['neg'] }, { name: 'b', labels: ['meh'] }], labels)).toThrow(/annotator b: row 0 has label "meh", not one of neg, pos/);
    expect(() => annotatorAgreement([{ name: 'a', labels: ['neg'] }, { name: 'b', labels: ['neg', 'pos'] }], labels)).toThrow(/labelled 1 and 2 rows/);
    expect(() => annotatorAgreement([{ name: 'a', labels: [] }, { name: 'a', labels: [] }], labels)).toThrow(/named twice: a/);
  });

  it('a pair with no row labelled by both has no figures, not a division by zero', () => {
    const result = annotatorAgreement([{ name: 'a', labels: [undefined] }, { name: 'b', labels: ['pos'] }], labels);
    expect(result.pairs[0]).toMatchObject({ rows: 0, unlabelled: 1 });
    expect(agreementMarkdown(result)).toContain('| a × b | 0 | 1 | – | – |');
  });
});
