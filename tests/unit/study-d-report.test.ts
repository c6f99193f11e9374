import { describe, expect, it } from 'vitest';
import type { CellResult, DataProductResult } from '../../src/artifacts/results';
import { f1DiversitySvg, studyDMarkdown, studyDRows } from '../../src/report/study-d';

const ref = { uri: 'file:///x', sha256: '0'.repeat(64), bytes: 1 };

function cell(key: string, seed: number, macroF1: number, trainingSet: CellResult['trainingSet'], kind: CellResult['kind'] = 'synthetic'): CellResult {
  return {
    key,
    kind,
    task: 'sst5',
    language: 'en',
    strategy: kind === 'gold' ? 'SRC' : 'TaskOnly',
    generator: kind === 'gold' ? 'gold' : 'smollm2',
    seed,
    trainSize: 10,
    accuracy: macroF1 + 0.1,
    macroF1,
    metrics: ref,
    modelDir: '/m',
    bestEpoch: 1,
    resumedFromEpoch: null,
    trainings: 1,
    trainingSet,
    evaluation: { dataset: 'sentiment', language: 'de', scoredLabels: ['negative', 'positive'] },
  };
}

const top = { role: 'method' as const, method: 'top', labels: 'teacher-soft', syntheticSize: 6, sourceSize: 4, diversity: 0.4, classBalance: { counts: [2, 2, 2], entropyRatio: 1 }, shortfallByLabel: {} };
const src = { role: 'SRC' as const, method: 'rand', labels: 'prompt', syntheticSize: 0, sourceSize: 4, shortfallByLabel: {} };
const product = {
  key: 'sst5.en.TaskOnly.smollm2.0123456789',
  annotation: { embeddings: ref, agreement: { overall: 0.5, byLabel: {}, kappa: 0.25, confusion: [] } },
} as unknown as DataProductResult;

describe('study D report', () => {
  const rows = studyDRows(
    [cell('a→de.s1', 1, 0.5, top), cell('a→de.s2', 2, 0.7, top), cell('SRC→de.s1', 1, 0.4, src, 'gold'), cell('SRC→de.s2', 2, 0.4, src, 'gold')],
    [product],
  );

  it('groups seeds into one row per training set, baselines first, with the product\'s agreement on method rows', () => {
    expect(rows.map((row) => row.name)).toEqual(['SRC', 'top · teacher-soft']);
    const [srcRow, topRow] = rows;
    expect(topRow?.macroF1.mean).toBeCloseTo(0.6);
    expect(topRow?.macroF1.std).toBeCloseTo(Math.sqrt(0.02));
    expect(topRow?.agreement).toEqual({ overall: 0.5, kappa: 0.25 });
    expect(srcRow?.agreement).toBeUndefined();
    expect(srcRow?.diversity).toBeUndefined();
  });

  it('says when a test set is scored over shared labels, and plots F1 against diversity', () => {
    const markdown = studyDMarkdown(rows, 'sweep/x');
    expect(markdown).toContain('## sst5 → sentiment/de');
    expect(markdown).toContain('scored over shared labels: negative, positive');
    expect(markdown).toContain('| top · teacher-soft | 2 | 60.0 ± 14.1 | 70.0 ± 14.1 | 0.400 | 1.000 | 50.0 | 0.250 |');
    const svg = f1DiversitySvg(rows, 'plot');
    expect(svg.match(/<circle /g)).toHaveLength(2); // one point (SRC has no diversity) and one legend entry
    expect(svg).toContain('top · teacher-soft');
  });
});
