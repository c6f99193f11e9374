import { describe, expect, it } from 'vitest';
import type { CellResult, DataProductResult } from '../../src/artifacts/results';
import { parseCsv } from '../../src/data/table-parsers';
import { aggregateByTask, gapChartData } from '../../src/report/aggregate';
import { csvField, dataProductsCsv, runsCsv, toCsv } from '../../src/report/csv';
import { confusionFileName, resultsMarkdownFileName } from '../../src/report/naming';
import { markdownCell, resultsMarkdown } from '../../src/report/results-markdown';
import { blueScale, confusionMatrixSvg, escapeXml, gapToGoldSvg, niceTicks } from '../../src/report/svg';
import { safeFileSegment } from '../../src/shared/file-names';
import { parseSweepReference } from '../../src/shared/workflow-ids';

const sha = (digit: string) => digit.repeat(64);

function cell(overrides: Partial<CellResult> & Pick<CellResult, 'strategy' | 'seed' | 'macroF1' | 'accuracy'>): CellResult {
  const gold = overrides.strategy === 'gold';
  const language = overrides.language ?? 'cy';
  const generator = overrides.generator ?? (gold ? 'gold' : 'smollm2');
  return {
    key: `sib200.${language}.${overrides.strategy}${gold ? '' : `.${generator}`}.s${overrides.seed}`,
    kind: gold ? 'gold' : 'synthetic',
    task: 'sib200',
    language,
    generator,
    trainSize: 70,
    metrics: { uri: 'file:///state/artifacts/blobs/ab/m.json', sha256: sha('a'), bytes: 10 },
    modelDir: '/state/models/run',
    bestEpoch: 3,
    resumedFromEpoch: null,
    trainings: 1,
    ...overrides,
  };
}

const CELLS: CellResult[] = [
  cell({ strategy: 'TargetDemos', seed: 1, macroF1: 0.3, accuracy: 0.4 }),
  cell({ strategy: 'TargetDemos', seed: 2, macroF1: 0.5, accuracy: 0.6 }),
  cell({ strategy: 'gold', seed: 1, macroF1: 0.6, accuracy: 0.7 }),
  cell({ strategy: 'gold', seed: 2, macroF1: 0.6, accuracy: 0.7 }),
  cell({ strategy: 'TargetDemos', language: 'he', seed: 1, macroF1: 0.2, accuracy: 0.25 }),
  cell({ strategy: 'gold', language: 'he', seed: 1, macroF1: 0.5, accuracy: 0.55 }),
];

describe('CSV (RFC 4180)', () => {
  it('quotes only fields that need it and doubles inner quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(0.25)).toBe('0.25');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('reads back as written: quoted commas, quotes, line breaks, edge spaces, empty cells', () => {
    const rows = [
      ['a, b', 'say "hi"', 'two\nlines', 'cr\r\nlf'],
      [' padded ', '', 0.5, null],
    ];
    expect(parseCsv(toCsv(['w', 'x', 'y', 'z'], rows)).map((record) => record.fields)).toEqual([
      ['w', 'x', 'y', 'z'],
      ['a, b', 'say "hi"', 'two\nlines', 'cr\r\nlf'],
      [' padded ', '', '0.5', ''],
    ]);
  });

  it('ends every record with CRLF', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n');
  });

  it('writes one row per run with the agreed columns', () => {
    const text = runsCsv([
      cell({ strategy: 'TargetDemos', generator: 'gen,"quoted"', seed: 2, macroF1: 0.5, accuracy: 0.6, resumedFromEpoch: 2 }),
      cell({ strategy: 'gold', seed: 1, macroF1: 0.6, accuracy: 0.7 }),
    ]);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(
      'task,language,strategy,generator,seed,kind,n_train,macro_f1,accuracy,best_epoch,resumed_from_epoch,metrics_uri,metrics_sha256,model_dir',
    );
    expect(lines[1]).toBe(`sib200,cy,TargetDemos,"gen,""quoted""",2,synthetic,70,0.5,0.6,3,2,file:///state/artifacts/blobs/ab/m.json,${sha('a')},/state/models/run`);
    // gold sorts after the strategies; a null resumed_from_epoch is an empty field.
    expect(lines[2]).toBe(`sib200,cy,gold,gold,1,gold,70,0.6,0.7,3,,file:///state/artifacts/blobs/ab/m.json,${sha('a')},/state/models/run`);
    expect(lines).toHaveLength(4);
  });

  it('writes one data-product row per label, 0 where a stage reported nothing', () => {
    const product: Pick<DataProductResult, 'key' | 'counts'> = {
      key: 'sib200.cy.TargetDemos.smollm2.abc',
      counts: {
        requested: { travel: 2, 'science/technology': 1 },
        parsed: { travel: 15, 'science/technology': 9 },
        unique: { travel: 12, 'science/technology': 9 },
        rejectedByJudge: { travel: 1 },
        removedAsDuplicates: { travel: 1 },
        kept: { travel: 10, 'science/technology': 9 },
        shortfall: { 'science/technology': 1 },
      },
    };
    expect(dataProductsCsv([product]).split('\r\n')).toEqual([
      'data_product,label,requested,parsed,unique,rejected_by_judge,removed_as_duplicates,kept,shortfall',
      'sib200.cy.TargetDemos.smollm2.abc,science/technology,1,9,9,0,0,9,1',
      'sib200.cy.TargetDemos.smollm2.abc,travel,2,15,12,1,1,10,0',
      '',
    ]);
  });
});

describe('results markdown', () => {
  const [results] = aggregateByTask(CELLS);

  it('aggregates mean ± std over seeds and the gap to gold per language', () => {
    expect(results?.languages).toEqual(['cy', 'he']);
    const row = results?.rows[0];
    expect(row?.byLanguage.cy?.macroF1.mean).toBeCloseTo(0.4);
    expect(row?.byLanguage.cy?.macroF1.std).toBeCloseTo(0.141421, 5);
    expect(row?.gapByLanguage.cy).toBeCloseTo(-0.2);
    expect(row?.gapByLanguage.he).toBeCloseTo(-0.3);
    expect(row?.averageGap).toBeCloseTo(-0.25);
  });

  it('prints cells as mean ± std ×100, a gold row, gap and average columns, and accuracy', () => {
    const text = resultsMarkdown(results!, { sweepId: 'sweep/demo', failed: [{ key: 'sib200.he.TargetDemos.smollm2.s2', kind: 'cell', message: 'boom | bad' }] });
    expect(text).toContain('| strategy | generator | seeds | cy | he |');
    expect(text).toContain('| TargetDemos | smollm2 | 1–2 | 40.0 ± 14.1 | 20.0 ± 0.0 |');
    expect(text).toContain('| gold | — | 1–2 | 60.0 ± 0.0 | 50.0 ± 0.0 |');
    expect(text).toContain('| strategy | generator | cy | he | average |');
    expect(text).toContain('| TargetDemos | smollm2 | -20.0 | -30.0 | -25.0 |');
    // accuracy table
    expect(text).toContain('| TargetDemos | smollm2 | 1–2 | 50.0 ± 14.1 | 25.0 ± 0.0 |');
    expect(text).toContain('| gold | — | 1–2 | 70.0 ± 0.0 | 55.0 ± 0.0 |');
    expect(text).toContain('- cell `sib200.he.TargetDemos.smollm2.s2`: boom | bad');
  });

  it('shows — for a language a strategy has no run in, and escapes pipes', () => {
    const [only] = aggregateByTask([
      cell({ strategy: 'A|B', seed: 1, macroF1: 0.5, accuracy: 0.5 }),
      cell({ strategy: 'gold', language: 'he', seed: 1, macroF1: 0.5, accuracy: 0.5 }),
    ]);
    const text = resultsMarkdown(only!, { sweepId: 'sweep/x' });
    expect(text).toContain('| A\\|B | smollm2 | 1 | 50.0 ± 0.0 | — |');
    expect(text).toContain('| A\\|B | smollm2 | — | — | — |');
    expect(markdownCell('a\nb')).toBe('a b');
  });

  it('feeds the gap chart in points, with an average group over languages', () => {
    const chart = gapChartData(aggregateByTask(CELLS));
    expect(chart.groups).toEqual(['cy', 'he', 'average']);
    expect(chart.series).toEqual(['TargetDemos · smollm2']);
    const cy = chart.bars.find((bar) => bar.group === 'cy');
    expect(cy?.gap).toBeCloseTo(-20);
    expect(cy?.error).toBeCloseTo(14.1421, 3);
    expect(chart.bars.find((bar) => bar.group === 'average')?.gap).toBeCloseTo(-25);
  });
});

describe('SVG builders', () => {
  it('escapes markup characters', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
  });

  it('draws a confusion matrix with labels, counts, axis titles and a colour scale', () => {
    const svg = confusionMatrixSvg({
      title: 'cell <one> & two',
      labels: ['science/technology', 'travel', 'R&D <x>'],
      matrix: [
        [5, 1, 0],
        [2, 7, 3],
        [0, 0, 9],
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('cell &lt;one&gt; &amp; two');
    expect(svg).toContain('>science/technology</text>');
    expect(svg).toContain('>R&amp;D &lt;x&gt;</text>');
    expect(svg).not.toContain('R&D');
    expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
    for (const count of [5, 1, 2, 7, 3, 9]) expect(svg).toContain(`>${count}</text>`);
    expect(svg).toContain('true label');
    expect(svg).toContain('predicted label');
    expect(svg).toContain(`fill="${blueScale(1)}"`); // the largest count is darkest
    expect(svg).toContain('n=27, correct=21');
    // balanced tags (parse-free check)
    expect(svg.match(/<text\b/g)?.length).toBe(svg.match(/<\/text>/g)?.length);
    expect(svg.match(/<rect\b[^>]*[^/]>/g)?.length).toBe(svg.match(/<\/rect>/g)?.length);
  });

  it('rejects a matrix that does not match its labels', () => {
    expect(() => confusionMatrixSvg({ title: 't', labels: ['a', 'b'], matrix: [[1, 2]] })).toThrow(/2×2/);
  });

  it('draws the gap chart with axis labels, groups, series and values', () => {
    const svg = gapToGoldSvg({
      title: 'sweep/demo & co',
      groups: ['cy', 'he', 'average'],
      series: ['TargetDemos · smollm2', 'A<B'],
      bars: [
        { series: 'TargetDemos · smollm2', group: 'cy', gap: -20, error: 14.1 },
        { series: 'TargetDemos · smollm2', group: 'he', gap: -30 },
        { series: 'A<B', group: 'cy', gap: 4.5 },
        { series: 'TargetDemos · smollm2', group: 'average', gap: -25, error: 7.1 },
      ],
    });
    expect(svg).toContain('gap to gold (macro-F1 points)');
    expect(svg).toContain('>language</text>');
    expect(svg).toContain('sweep/demo &amp; co');
    expect(svg).toContain('>A&lt;B</text>');
    for (const text of ['>cy</text>', '>he</text>', '>average</text>', '>-20.0</text>', '>-30.0</text>', '>4.5</text>', '>0</text>']) expect(svg).toContain(text);
    expect(svg.match(/<text\b/g)?.length).toBe(svg.match(/<\/text>/g)?.length);
  });

  it('picks round ticks that cover the range', () => {
    expect(niceTicks(-34, 0)).toEqual([-40, -30, -20, -10, 0]);
    const ticks = niceTicks(-3.2, 7.9);
    expect(ticks[0]).toBeLessThanOrEqual(-3.2);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(7.9);
  });
});

describe('report file names', () => {
  it('names a confusion image by the cell key and the first 8 hex of its metrics hash', () => {
    expect(confusionFileName('sib200.cy.TargetDemos.smollm2-135m.s1', `1234abcd${'0'.repeat(56)}`)).toBe('sib200.cy.TargetDemos.smollm2-135m.s1.1234abcd.svg');
  });

  it('gives a rerun with different metrics a different file, the same metrics the same file', () => {
    const key = 'sib200.he.gold.s2';
    expect(confusionFileName(key, sha('a'))).not.toBe(confusionFileName(key, sha('b')));
    expect(confusionFileName(key, sha('a'))).toBe(confusionFileName(key, sha('a')));
  });

  it('keeps names inside one folder and rejects a non-hash', () => {
    expect(confusionFileName('../x/y z', sha('c'))).toBe('__x_y_z.cccccccc.svg');
    expect(safeFileSegment('..')).toBe('_');
    expect(resultsMarkdownFileName('sib200')).toBe('results-sib200.md');
    expect(() => confusionFileName('k', 'not-a-hash')).toThrow();
  });

  it('accepts a sweep by name or by workflow id', () => {
    expect(parseSweepReference('demo')).toEqual({ sweepId: 'sweep/demo', name: 'demo' });
    expect(parseSweepReference('sweep/demo')).toEqual({ sweepId: 'sweep/demo', name: 'demo' });
  });
});
