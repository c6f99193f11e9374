/**
 * `synthlab sweep plan` on configs whose import file is bad, through the real CLI: each bad file
 * (a seeded random row made bad in a seeded random way) is exit 2 with one error naming the file,
 * the line and the problem; a good file plans its product and cells.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, expect, it } from 'vitest';
import { SeededRandom } from '../../src/data/seeded-random';
import { repoRoot } from '../../src/infra/paths';
import { planLine, runSynthlab } from '../helpers/cli';

const scratch = mkdtempSync(join(tmpdir(), 'synthlab-import-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const LABELS = ['science/technology', 'travel', 'politics', 'sports', 'health', 'entertainment', 'geography'];

const synthlab = (...args: string[]) => runSynthlab(args);

function configWith(name: string, importPath: string): string {
  const demo = parse(readFileSync(join(repoRoot, 'configs/demo.yaml'), 'utf8')) as Record<string, unknown>;
  const file = join(scratch, `${name}.yaml`);
  writeFileSync(file, stringify({ ...demo, name: 'imports', imports: [{ name: 'released', task: 'sib200', language: 'cy', path: importPath }] }));
  return file;
}

function goodRows(count: number): string[][] {
  return Array.from({ length: count }, (_, index) => [`Sentence number ${index} about ${LABELS[index % LABELS.length]}.`, LABELS[index % LABELS.length] as string]);
}

const csvLine = (fields: string[]) => fields.map((field) => `"${field.replaceAll('"', '""')}"`).join(',');

it('a good import file plans one more product and its cells', () => {
  const path = join(scratch, 'good.csv');
  writeFileSync(path, ['text,label', ...goodRows(40).map(csvLine)].join('\n'));
  const run = synthlab('sweep', 'plan', configWith('good', path));
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  // demo.yaml: 2 languages × (1 product, 2 seeds + 2 gold cells); the import adds a product and 2 cells in cy.
  expect(planLine(run.stdout)).toBe('plan: data_products=3 cells=10 label_summaries=0');
  // The imported product asks no LLM: the estimate names only the two generated products.
  expect(run.stdout).not.toMatch(/Imported|\.import/);
}, 60_000);

it('bad import files are exit 2 naming the file, the line and the problem; nothing else is reported', () => {
  const random = new SeededRandom(13);
  const corruptions = [
    { name: 'label', apply: (row: string[]) => [row[0] as string, 'weather'], expected: 'unknown label "weather"; valid labels: ' + LABELS.join(', ') },
    { name: 'empty', apply: (row: string[]) => ['', row[1] as string], expected: '"text" is empty' },
    { name: 'fields', apply: (row: string[]) => [...row, 'extra'], expected: 'has 3 fields, the header has 2' },
  ];
  for (let trial = 0; trial < 6; trial += 1) {
    const corruption = corruptions[trial % corruptions.length] as (typeof corruptions)[number];
    const rows = goodRows(30);
    const bad = random.nextInt(rows.length);
    rows[bad] = corruption.apply(rows[bad] as string[]);
    const path = join(scratch, `bad-${trial}-${corruption.name}.csv`);
    writeFileSync(path, ['text,label', ...rows.map(csvLine)].join('\n'));
    const run = synthlab('sweep', 'plan', configWith(`bad-${trial}`, path));
    expect(run.status, run.stderr).toBe(2);
    // Line 1 is the header: row i is on line i + 2.
    expect(run.stderr).toContain(`${path}:${bad + 2}: ${corruption.expected}`);
    expect(run.stderr).toContain('1 problem; nothing was started');
    expect(run.stdout).toBe('');
  }
}, 240_000);
