import { describe, expect, it } from 'vitest';
import type { CellResult } from '../../src/artifacts/results';
import { crossovers, crossoverSize, learningCurves, learningCurvesMarkdown, learningCurveSvg } from '../../src/report/learning-curves';

const point = (size: number, mean: number) => ({ size, mean, std: 0, repeats: 1 });

describe('crossoverSize', () => {
  it('is the smallest size from which the challenger stays above at every larger shared size', () => {
    const synthetic = [point(10, 0.5), point(50, 0.6), point(100, 0.65), point(400, 0.7)];
    const gold = [point(10, 0.4), point(50, 0.62), point(100, 0.6), point(400, 0.8)];
    // Gold is above at 50, below again at 100, above from 400 on.
    expect(crossoverSize(gold, synthetic)).toBe(400);
    expect(crossoverSize(synthetic, gold)).toBeUndefined();
    expect(crossoverSize(synthetic, 0.55)).toBe(50);
    expect(crossoverSize(synthetic, 0.9)).toBeUndefined();
    expect(crossoverSize([point(20, 0.9)], [point(10, 0.1)])).toBeUndefined();
  });
});

const metrics = { uri: 'file:///m.json', sha256: 'a'.repeat(64), bytes: 1 };
function cell(kind: CellResult['kind'], size: number | undefined, repeat: number, macroF1: number, extra: Partial<CellResult> = {}): CellResult {
  return {
    key: `${kind}.${size}.${repeat}`,
    kind,
    task: 'sib200',
    language: 'cy',
    strategy: kind === 'gold' ? 'gold' : kind === 'classifier' ? 'zero-shot' : 'TargetDemos',
    generator: kind === 'gold' ? 'gold' : 'smol',
    seed: repeat,
    trainSize: size ?? 0,
    accuracy: macroF1,
    macroF1,
    metrics,
    modelDir: '',
    bestEpoch: 0,
    resumedFromEpoch: null,
    trainings: kind === 'classifier' ? 0 : 1,
    ...(size === undefined ? {} : { size: { total: size, repeat, shortfallByLabel: {} } }),
    ...extra,
  };
}

describe('learningCurves', () => {
  const cells = [
    cell('synthetic', 14, 0, 0.3),
    cell('synthetic', 14, 1, 0.5),
    cell('synthetic', 70, 0, 0.6),
    cell('synthetic', 70, 1, 0.6),
    cell('gold', 14, 0, 0.2),
    cell('gold', 14, 1, 0.2),
    cell('gold', 70, 0, 0.7),
    cell('gold', 70, 1, 0.7),
    cell('classifier', undefined, 0, 0.45, {
      classifier: { name: 'smol', mode: 'zero-shot', n: 204, outOfLabel: 3, outOfLabelRate: 3 / 204, constraint: 'grammar', requests: metrics },
    }),
  ];
  it('averages repeats per size, puts gold last, and lists the classifiers as flat lines', () => {
    const [curve] = learningCurves(cells);
    expect(curve?.series.map((series) => series.name)).toEqual(['TargetDemos · smol', 'gold']);
    expect(curve?.series[0]?.points[0]).toMatchObject({ size: 14, repeats: 2 });
    expect(curve?.series[0]?.points[0]?.mean).toBeCloseTo(0.4, 12);
    expect(curve?.series[0]?.points[0]?.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(curve?.classifiers).toEqual([{ name: 'smol · zero-shot', macroF1: 0.45 }]);
    expect(crossovers(curve!)).toEqual([
      { what: 'gold overtakes TargetDemos · smol', size: 70 },
      { what: 'TargetDemos · smol (fine-tuned) overtakes smol · zero-shot', size: 70 },
      { what: 'gold (fine-tuned) overtakes smol · zero-shot', size: 70 },
    ]);
    const svg = learningCurveSvg(curve!, 'curve');
    expect(svg).toContain('<polygon');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).not.toContain('NaN');
    // A long series name widens the figure so that its legend entry is not cut off at the edge.
    const long = { ...curve!, series: curve!.series.map((series, index) => (index === 0 ? { ...series, name: 'TargetDemos+Revision · smollm2-135m-instruct-q4' } : series)) };
    const widthOf = (text: string) => Number(/width="(\d+)"/.exec(text)?.[1]);
    expect(widthOf(learningCurveSvg(long, 'curve'))).toBeGreaterThan(widthOf(svg));
    expect(widthOf(learningCurveSvg(long, 'curve'))).toBeGreaterThanOrEqual(64 + 466 + 38 + 'TargetDemos+Revision · smollm2-135m-instruct-q4'.length * 11 * 0.6);
    expect(learningCurvesMarkdown([curve!]).join('\n')).toContain('gold overtakes TargetDemos · smol: at 70');
  });
});
