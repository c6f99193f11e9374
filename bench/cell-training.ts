/**
 * A cell's GPU work through the real Python ML CLI, side by side in one run, on the same inputs:
 * (a) `train`, then `predict` on the test split: two Python processes, as the fineTune and
 *     evaluateModel activities ran it;
 * (b) `train-evaluate`: one process, as the fineTuneAndEvaluate activity runs it.
 * The packaged all-MiniLM-L6-v2 with the demo's training settings on real SIB-200 data (Welsh,
 * 10 training and 5 dev examples per label, the whole test split). Rounds alternate a and b, each
 * training from scratch in its own folder; both must reach the same test macro-F1.
 *
 *   npm run bench -- cell-training [--rounds 3] [--epochs 5] [--threads 1]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runMlCommand } from '../src/activities/ml-runner';
import { dataRootDefault, readSplit, type Example } from '../src/data/readers';
import { getDatasetSpec } from '../src/data/registry';
import { evaluationFilesConfig, mlPredictConfig, mlTrainConfig } from '../src/activities/ml-configs';
import { trainerSettingsSchema } from '../src/config/schema';
import { meanAndStd } from '../src/report/summary-table';
import { positiveIntegerOption } from './options';

interface CellTrainingOptions {
  rounds: number;
  epochs: number;
  threads: number;
}

function parseOptions(args: readonly string[]): CellTrainingOptions {
  const options: CellTrainingOptions = { rounds: 3, epochs: 5, threads: 1 };
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index];
    const number = positiveIntegerOption(flag, args[index + 1]);
    if (flag === '--rounds') options.rounds = number;
    else if (flag === '--epochs') options.epochs = number;
    else if (flag === '--threads') options.threads = number;
    else throw new Error(`unknown option "${flag}" (known: --rounds, --epochs, --threads)`);
  }
  return options;
}

function firstPerLabel(rows: readonly Example[], labels: readonly string[], perLabel: number): Example[] {
  return labels.flatMap((label) => rows.filter((row) => row.label === label).slice(0, perLabel));
}

async function writeRows(file: string, rows: readonly Example[]): Promise<string> {
  await writeFile(file, rows.map((row) => JSON.stringify({ text: row.text, label: row.label })).join('\n') + '\n');
  return file;
}

async function macroF1(metricsFile: string): Promise<number> {
  return (JSON.parse(await readFile(metricsFile, 'utf8')) as { macro_f1: number }).macro_f1;
}

export async function run(args: string[]): Promise<number> {
  const options = parseOptions(args);
  const spec = getDatasetSpec('sib200');
  const labels = [...spec.labels];
  const split = (name: 'train' | 'dev' | 'test') => readSplit(spec, { dataRoot: dataRootDefault(), language: 'cy', split: name });
  const root = await mkdtemp(join(tmpdir(), 'synthlab-cell-training-'));
  try {
    const train = await writeRows(join(root, 'train.jsonl'), firstPerLabel(await split('train'), labels, 10));
    const dev = await writeRows(join(root, 'dev.jsonl'), firstPerLabel(await split('dev'), labels, 5));
    const testRows = await split('test');
    const test = await writeRows(join(root, 'test.jsonl'), testRows);
    const settings = trainerSettingsSchema.parse({ lr: 0.00005, batchSize: 16, maxLength: 64, maxEpochs: options.epochs, patience: options.epochs, device: 'cpu' });
    const trainConfig = (outputDir: string) =>
      mlTrainConfig({ model: 'packaged:all-minilm-l6-v2', trainFile: train, devFile: dev, labels, outputDir, seed: 1 }, settings);
    console.log(
      `cell-training: all-MiniLM-L6-v2, sib200 cy, ${labels.length * 10} train / ${labels.length * 5} dev / ${testRows.length} test rows, ` +
        `${options.epochs} epochs, ${options.threads} torch thread(s), ${options.rounds} rounds`,
    );

    const seconds = { separate: [] as number[], combined: [] as number[] };
    const scores = new Set<number>();
    for (let round = 1; round <= options.rounds; round += 1) {
      const dir = join(root, `round-${round}`);
      let started = performance.now();
      await runMlCommand({ command: 'train', configPath: join(dir, 'a', 'train.json'), config: trainConfig(join(dir, 'a', 'run')), threads: options.threads });
      await runMlCommand({
        command: 'predict',
        configPath: join(dir, 'a', 'predict.json'),
        config: mlPredictConfig(
          { modelDir: join(dir, 'a', 'run', 'best'), inputFile: test, labels, outputFile: join(dir, 'a', 'predictions.jsonl'), metricsFile: join(dir, 'a', 'metrics.json') },
          settings,
        ),
        threads: options.threads,
      });
      seconds.separate.push((performance.now() - started) / 1000);
      scores.add(await macroF1(join(dir, 'a', 'metrics.json')));

      started = performance.now();
      await runMlCommand({
        command: 'train-evaluate',
        configPath: join(dir, 'b', 'train-evaluate.json'),
        config: {
          ...trainConfig(join(dir, 'b', 'run')),
          ...evaluationFilesConfig({ testFile: test, predictionsFile: join(dir, 'b', 'predictions.jsonl'), metricsFile: join(dir, 'b', 'metrics.json') }),
        },
        threads: options.threads,
      });
      seconds.combined.push((performance.now() - started) / 1000);
      scores.add(await macroF1(join(dir, 'b', 'metrics.json')));
      console.log(`round ${round}: train + predict ${seconds.separate.at(-1)!.toFixed(1)} s, train-evaluate ${seconds.combined.at(-1)!.toFixed(1)} s`);
    }
    if (scores.size !== 1) {
      console.error(`cell-training: the two paths disagree on test macro-F1: ${[...scores].join(', ')}`);
      return 1;
    }
    const [separate, combined] = [meanAndStd(seconds.separate).mean, meanAndStd(seconds.combined).mean];
    console.log(
      `cell-training: rounds=${options.rounds} train_then_predict_s=${separate.toFixed(1)} train_evaluate_s=${combined.toFixed(1)} ` +
        `speedup=${(separate / combined).toFixed(2)} test_macro_f1=${[...scores][0]!.toFixed(4)}`,
    );
    return 0;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
