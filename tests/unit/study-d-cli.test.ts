/** `synthlab sweep plan` on study D's configs, through the real CLI. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { repoRoot } from '../../src/infra/paths';
import { planLine, runSynthlab } from '../helpers/cli';

const scratch = mkdtempSync(join(tmpdir(), 'synthlab-study-d-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const synthlab = (...args: string[]) => runSynthlab(args);

it('plans the paper grid with --config-only and the mini grid on this machine, appending study D counts', () => {
  const full = synthlab('sweep', 'plan', 'configs/study-d.yaml');
  expect(full.status, full.stderr).toBe(0);
  expect(full.stderr).toMatch(/^not ready to start on this machine \(\d+ problems of its environment/);
  expect(planLine(full.stdout)).toBe('plan: data_products=10 cells=684 label_summaries=0 teachers=2 annotations=2 selections=684 student_trainings=144');
  const mini = synthlab('sweep', 'plan', 'configs/study-d-mini.yaml');
  expect(mini.stderr).toBe('');
  expect(mini.status).toBe(0);
  expect(planLine(mini.stdout)).toBe('plan: data_products=1 cells=36 label_summaries=0 teachers=1 annotations=1 selections=36 student_trainings=36');
}, 120_000);

it('a selection method that does not exist is exit 2, listing the valid methods', () => {
  const mini = readFileSync(join(repoRoot, 'configs/study-d-mini.yaml'), 'utf8');
  const file = join(scratch, 'topp.yaml');
  writeFileSync(file, mini.replace('methods: [rand, top, div, easy, amb]', 'methods: [rand, topp]'));
  const run = synthlab('sweep', 'plan', '--config-only', file);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('selection.methods.1: unknown selection method "topp"; valid selection methods: rand, top, div, easy, amb');
}, 60_000);
