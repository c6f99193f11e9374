import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStore } from '../../src/artifacts/store';
import { writeReport, type WriteReportOptions } from '../../src/report/write-report';
import type { CellResult } from '../../src/artifacts/results';

type ReportInput = WriteReportOptions['result'];

const LABELS = ['science/technology', 'travel'];

async function metricsRef(store: ArtifactStore, matrix: number[][], warnings?: string[]) {
  const correct = (matrix[0]?.[0] ?? 0) + (matrix[1]?.[1] ?? 0);
  const n = matrix.flat().reduce((sum, value) => sum + value, 0);
  return store.put(
    JSON.stringify({ accuracy: correct / n, macro_f1: correct / n, per_class_f1: {}, confusion_matrix: matrix, labels: LABELS, n, ...(warnings ? { warnings } : {}) }),
    'json',
  );
}

function cell(key: string, strategy: string, seed: number, metrics: CellResult['metrics'], macroF1: number): CellResult {
  return {
    key,
    kind: strategy === 'gold' ? 'gold' : 'synthetic',
    task: 'sib200',
    language: 'cy',
    strategy,
    generator: strategy === 'gold' ? 'gold' : 'smollm2',
    seed,
    trainSize: 20,
    accuracy: macroF1,
    macroF1,
    metrics,
    modelDir: '/models/x',
    bestEpoch: 1,
    resumedFromEpoch: null,
    trainings: 1,
  };
}

describe('writeReport', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synthlab-report-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every file, names confusion images by metrics hash and never overwrites another run', async () => {
    const store = new ArtifactStore(join(dir, 'artifacts'));
    const first = await metricsRef(store, [[3, 1], [0, 4]]);
    const gold = await metricsRef(store, [[4, 0], [0, 4]]);
    const result: ReportInput = {
      sweepId: 'sweep/t',
      dataProducts: [],
      cells: [cell('sib200.cy.TargetDemos.smollm2.s1', 'TargetDemos', 1, first, 0.875), cell('sib200.cy.gold.s1', 'gold', 1, gold, 1)],
      failed: [],
    };
    const out = join(dir, 'results', 't');
    const written = await writeReport({ result, outDir: out, store });
    expect(written.missingMetrics).toEqual([]);
    expect((await readdir(out)).sort()).toEqual(['confusion', 'cost.csv', 'cost.md', 'data-products.csv', 'gap-to-gold.svg', 'results-sib200.md', 'runs.csv']);
    const firstImage = `sib200.cy.TargetDemos.smollm2.s1.${first.sha256.slice(0, 8)}.svg`;
    expect((await readdir(join(out, 'confusion'))).sort()).toEqual([firstImage, `sib200.cy.gold.s1.${gold.sha256.slice(0, 8)}.svg`].sort());
    expect(await readFile(join(out, 'confusion', firstImage), 'utf8')).toContain('>science/technology</text>');
    expect(await readFile(join(out, 'results-sib200.md'), 'utf8')).toContain('| TargetDemos | smollm2 | -12.5 | -12.5 |');

    // A rerun of the same cell with different metrics adds an image beside the old one.
    const rerun = await metricsRef(store, [[2, 2], [0, 4]]);
    const again = await writeReport({ result: { ...result, cells: [cell('sib200.cy.TargetDemos.smollm2.s1', 'TargetDemos', 1, rerun, 0.75)] }, outDir: out, store });
    expect(again.files.every((file) => file.startsWith(out))).toBe(true);
    expect(await readdir(join(out, 'confusion'))).toContain(firstImage);
    expect(await readdir(join(out, 'confusion'))).toContain(`sib200.cy.TargetDemos.smollm2.s1.${rerun.sha256.slice(0, 8)}.svg`);
    expect((await readdir(out)).some((name) => name.endsWith('.tmp'))).toBe(false);
  });

  it("lists the trainer's warnings about a run's predictions in the results and in what it returns", async () => {
    const store = new ArtifactStore(join(dir, 'artifacts'));
    // A model that answered 'travel' for all 8 test rows, as predict's metrics say; the gold run has no warning.
    const collapsed = await metricsRef(store, [[0, 4], [0, 4]], ["predicts one label ('travel') for all 8 rows"]);
    const gold = await metricsRef(store, [[4, 0], [0, 4]], []);
    const result: ReportInput = {
      sweepId: 'sweep/t',
      dataProducts: [],
      cells: [cell('sib200.cy.TargetDemos.smollm2.s1', 'TargetDemos', 1, collapsed, 1 / 3), cell('sib200.cy.gold.s1', 'gold', 1, gold, 1)],
      failed: [],
    };
    const written = await writeReport({ result, outDir: join(dir, 'out'), store });
    expect(written.warnings).toEqual([{ key: 'sib200.cy.TargetDemos.smollm2.s1', message: "predicts one label ('travel') for all 8 rows" }]);
    const markdown = await readFile(join(dir, 'out', 'results-sib200.md'), 'utf8');
    expect(markdown).toContain("## Warnings\n\nThe trained model of each run below answers too few labels for its scores to mean much.\n\n- `sib200.cy.TargetDemos.smollm2.s1`: predicts one label ('travel') for all 8 rows\n");
    expect(markdown).not.toContain('sib200.cy.gold.s1`:');
  });

  it('reports a run whose metrics artifact is gone and still writes the rest', async () => {
    const store = new ArtifactStore(join(dir, 'artifacts'));
    const missing = { uri: `file://${join(dir, 'nowhere.json')}`, sha256: 'f'.repeat(64), bytes: 1 };
    const result: ReportInput = { sweepId: 'sweep/t', dataProducts: [], cells: [cell('k.s1', 'TargetDemos', 1, missing, 0.5)], failed: [] };
    const written = await writeReport({ result, outDir: join(dir, 'out'), store });
    expect(written.missingMetrics.map((entry) => entry.key)).toEqual(['k.s1']);
    expect((await readFile(join(dir, 'out', 'runs.csv'), 'utf8')).split('\r\n')[1]).toMatch(/^sib200,cy,TargetDemos,smollm2,1,/);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['cost.csv', 'cost.md', 'data-products.csv', 'gap-to-gold.svg', 'results-sib200.md', 'runs.csv']);
  });
});
