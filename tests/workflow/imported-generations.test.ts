/**
 * Imported generations end to end on a real Temporal dev server: a JSON-lines file of 1,205 rows
 * (English sentiment gold rows written at test time, standing in for a study's released synthetic
 * data, with five repeated rows) passes the pre-flight, which pins its sha256 into the plan; the
 * data-product workflow imports, dedupes and annotates it; a cell selects from it and trains a tiny
 * model; and `synthlab sweep show … --sample` prints a row's provenance from the artifacts.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { syntheticRowSchema } from '../../src/activities/rows';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import { sampleProvenanceLines } from '../../src/cli/sample-provenance';
import { planSweep } from '../../src/config/plan';
import { preflightSweepConfig } from '../../src/config/preflight';
import { readSplit } from '../../src/data/readers';
import { getDatasetSpec } from '../../src/data/registry';
import { repoRoot, synthlabCliArgs } from '../../src/infra/paths';
import { TASK_QUEUES } from '../../src/shared/constants';
import { parseTemplateFile } from '../../src/stages/prompts';
import { cellWorkflow } from '../../src/workflows/cell';
import { dataProductWorkflow } from '../../src/workflows/data-product';
import { buildTinyModel, dataRoot, startInProcessWorkers, type InProcessWorkers } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';

let temporal: TestTemporal;
let workers: InProcessWorkers;

beforeAll(async () => {
  temporal = await startTestTemporal('synthlab-imports-');
  workers = await startInProcessWorkers(temporal, undefined);
}, 400_000);

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
}, 400_000);

const IMPORTED_ROWS = 1200;
const REPEATED = 5;

it('imports a 1,205-row file, dedupes, selects and trains on it, and shows a row\'s provenance', async () => {
  const sentiment = getDatasetSpec('sentiment');
  const gold = await readSplit(sentiment, { dataRoot, language: 'en', split: 'train' });
  if (gold.length < IMPORTED_ROWS) throw new Error(`${dataRoot}/sentiment/en-train_human_parsed.csv has ${gold.length} rows; the test needs ${IMPORTED_ROWS}`);
  const folder = join(temporal.stateDir, 'imports');
  mkdirSync(folder, { recursive: true });
  const rows = gold.slice(0, IMPORTED_ROWS).map((example, index) => ({ sentence: example.text, label: example.label, model: `released-${index % 3}` }));
  // Five rows repeated at the end: dedupe must remove them.
  const lines = [...rows, ...rows.slice(0, REPEATED)].map((row) => JSON.stringify(row));
  const file = join(folder, 'released.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');

  const tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  const configFile = join(folder, 'imports.yaml');
  writeFileSync(
    configFile,
    stringify({
      name: 'imports',
      tasks: [{ dataset: 'sentiment' }],
      languages: ['en'],
      strategies: ['TargetDemos'],
      generators: [{ name: 'unused', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', threads: 1 } }],
      seeds: [1],
      goldBaseline: false,
      generation: { samplesPerLabel: 500 },
      selection: { perLabel: 400 },
      training: { model: tinyModel, lr: 0.001, batchSize: 16, maxLength: 32, maxEpochs: 1, patience: 1, devPerLabel: 5, threads: 1, heartbeatTimeoutSeconds: 60 },
      // A relative path is read from the config file's folder.
      imports: [{ name: 'released', task: 'sentiment', language: 'en', path: 'released.jsonl', columns: { text: 'sentence', label: 'label', metadata: ['model'] } }],
    }),
  );
  const loaded = await preflightSweepConfig(configFile, { parsePromptTemplate: parseTemplateFile, machineChecks: false });
  expect(loaded.config.imports?.[0]).toMatchObject({ path: file, sha256, format: 'jsonl' });
  const plan = planSweep(loaded.config);
  const product = plan.dataProducts.find((candidate) => candidate.kind === 'import');
  if (product?.kind !== 'import') throw new Error('the plan has no imported product');
  expect(product.key).toMatch(/^sentiment\.en\.Imported\.released\.[0-9a-f]{10}$/);
  const cell = plan.cells.find((candidate) => candidate.dataProductKey === product.key);
  expect(cell?.key).toBe('sentiment.en.Imported.released.s1');

  const sweepId = 'sweep/imports';
  const dataset = loaded.datasets['sentiment']!;
  const outcome = await temporal.client.workflow.execute(dataProductWorkflow, {
    workflowId: `${sweepId}/data/${product.key}`,
    taskQueue: TASK_QUEUES.cpu,
    args: [{ sweepId, dataRoot, dataset, product }],
  });
  expect(outcome.llmCalls).toBe(0);
  const record = (await sweepRecordsOf(workers.store).readDataProducts(sweepId)).get(product.key);
  if (record === undefined) throw new Error('the imported product was not recorded');
  expect(record.requests).toBeUndefined();
  expect(record.imported).toEqual({ name: 'released', path: file, sha256, format: 'jsonl', rows: IMPORTED_ROWS + REPEATED });
  const removed = Object.values(record.counts.removedAsDuplicates).reduce((sum, count) => sum + count, 0);
  expect(removed).toBeGreaterThanOrEqual(REPEATED);
  const kept = await workers.store.readJsonl(record.dataset, syntheticRowSchema);
  expect(kept.length).toBe(IMPORTED_ROWS + REPEATED - removed);
  expect(kept.length).toBeGreaterThan(1000);
  // Every row points at its file line; the repeats (lines 1201–1205) were removed, the first copies kept.
  for (const row of kept) {
    expect(row.origin?.kind).toBe('file');
    expect(row.labelSource).toBe('import');
    expect(row.id).toBe(`${product.key}/line-${row.origin?.kind === 'file' ? row.origin.line : 0}`);
  }
  const keptLines = new Set(kept.map((row) => (row.origin?.kind === 'file' ? row.origin.line : 0)));
  for (let line = IMPORTED_ROWS + 1; line <= IMPORTED_ROWS + REPEATED; line += 1) expect(keptLines.has(line)).toBe(false);
  const seventh = kept.find((row) => row.origin?.kind === 'file' && row.origin.line === 7);
  expect(seventh).toMatchObject({ text: rows[6]?.sentence, label: rows[6]?.label, metadata: { model: 'released-0' } });

  await temporal.client.workflow.execute(cellWorkflow, {
    workflowId: `${sweepId}/cell/${cell!.key}`,
    taskQueue: TASK_QUEUES.cpu,
    args: [{ sweepId, dataRoot, cell: cell!, dataset, source: record.dataset }],
  });
  const cellRecord = (await sweepRecordsOf(workers.store).readCells(sweepId)).get(cell!.key);
  expect(cellRecord?.result.trainSize).toBe(2 * 400);
  expect(cellRecord?.result.trainings).toBe(1);
  expect(cellRecord?.result.macroF1).toBeGreaterThanOrEqual(0);

  const provenance = (await sampleProvenanceLines(workers.store, sweepId, product.key, 'line-7')).join('\n');
  expect(provenance).toContain(`origin: file ${file}:7`);
  expect(provenance).toContain(`sha256 ${sha256} (unchanged since)`);
  expect(provenance).toContain(`label: "${rows[6]?.label}" from import`);

  // The CLI prints the same chain, reading the artifact store under the state folder.
  const env = { ...process.env, SYNTHLAB_STATE_DIR: temporal.stateDir };
  const shown = spawnSync(process.execPath, synthlabCliArgs('sweep', 'show', `${sweepId}/data/${product.key}`, '--sample', 'line-7'), { cwd: repoRoot, encoding: 'utf8', env });
  expect(shown.stderr).toBe('');
  expect(shown.status).toBe(0);
  expect(shown.stdout).toContain(`origin: file ${file}:7`);
  const missing = spawnSync(process.execPath, synthlabCliArgs('sweep', 'show', `${sweepId}/data/${product.key}`, '--sample', 'line-1203'), { cwd: repoRoot, encoding: 'utf8', env });
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain('has no row line-1203');
}, 900_000);
