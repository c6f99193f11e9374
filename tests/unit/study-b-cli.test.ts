/** `synthlab sweep plan` on study B's configs, through the real CLI. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { repoRoot } from '../../src/infra/paths';
import { planLine, runSynthlab } from '../helpers/cli';

const scratch = mkdtempSync(join(tmpdir(), 'synthlab-study-b-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const synthlab = (...args: string[]) => runSynthlab(args);

it('plans the paper grid (its unset API key and uncached hub model listed as not ready to start here) and the mini grid, appending the classifier cells', () => {
  const full = synthlab('sweep', 'plan', 'configs/study-b.yaml');
  expect(full.status, full.stderr).toBe(0);
  expect(planLine(full.stdout)).toBe('plan: data_products=27 cells=25191 label_summaries=0 classifier_cells=351');
  expect(full.stderr).toMatch(/^not ready to start on this machine \(\d+ problems of its environment/);
  const mini = synthlab('sweep', 'plan', 'configs/study-b-mini.yaml');
  expect(mini.stderr).toBe('');
  expect(mini.status).toBe(0);
  expect(planLine(mini.stdout)).toBe('plan: data_products=1 cells=18 label_summaries=0 classifier_cells=2');
}, 120_000);

it('an in-context classifier without k is exit 2, naming the field', () => {
  const mini = readFileSync(join(repoRoot, 'configs/study-b-mini.yaml'), 'utf8');
  const file = join(scratch, 'no-k.yaml');
  writeFileSync(file, mini.replace('mode: in-context, examplesPerLabel: 2,', 'mode: in-context,'));
  const run = synthlab('sweep', 'plan', '--config-only', file);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('classifiers.1.examplesPerLabel: mode "in-context" needs examplesPerLabel');
}, 60_000);
