/**
 * Trainer quality on real data through the real ML CLI (`train-evaluate`, as the fineTuneAndEvaluate
 * activity runs it): the fine-tune recipe against the linear probe on the same encoder, seeds and
 * data, side by side in one run. Gold SIB-200 Welsh, selected by the select activity exactly as a
 * gold-baseline cell selects it: `--per-label` examples of each label (seeded, class-balanced) and
 * the whole train split; the dev split as `training.devPerLabel` selects it; the whole test split.
 * Every training setting is the sweep config's default (src/config/schema.ts), so this measures
 * what a sweep runs, except the learning rate and the epochs, which default to the demo's
 * (configs/demo.yaml: CPU, few-shot); only `method` differs between the two trainers.
 *
 *   npm run bench -- trainer-quality [--encoder packaged:multilingual-e5-small] [--seeds 3] [--per-label 10]
 *                                    [--lr 0.00005] [--max-epochs 5] [--patience 2] [--threads 2]
 *
 * Ends with `trainer-quality: encoder=<name> finetune_10=<x> probe_10=<x> finetune_all=<x> probe_all=<x>`
 * (test macro-F1 × 100, mean over the seeds; `_10` is the `--per-label` size).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fineTuneInputSchema } from '../src/activities/contracts';
import { createModelSource } from '../src/activities/deps';
import { trainConfigFor } from '../src/activities/fine-tune';
import { evaluationFilesConfig } from '../src/activities/ml-configs';
import { runMlCommand } from '../src/activities/ml-runner';
import { createSelectActivity } from '../src/activities/select';
import { ArtifactStore } from '../src/artifacts/store';
import { trainingSchema } from '../src/config/schema';
import { dataRootDefault } from '../src/data/readers';
import { getDatasetSpec } from '../src/data/registry';
import { meanAndStd } from '../src/report/summary-table';
import { positiveIntegerOption } from './options';

interface TrainerQualityOptions {
  encoder: string;
  seeds: number;
  perLabel: number;
  lr: number;
  maxEpochs: number;
  patience: number;
  threads: number;
}

/** More than any SIB-200 label has: the select activity then takes the whole train split. */
const WHOLE_SPLIT_PER_LABEL = 100_000;
const METHODS = ['fine-tune', 'linear-probe'] as const;
type Method = (typeof METHODS)[number];

function parseOptions(args: readonly string[]): TrainerQualityOptions {
  const options: TrainerQualityOptions = {
    encoder: 'packaged:multilingual-e5-small',
    seeds: 3,
    perLabel: 10,
    lr: 0.00005,
    maxEpochs: 5,
    patience: 2,
    threads: 2,
  };
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index];
    const value = args[index + 1];
    if (flag === '--encoder') {
      if (value === undefined || value === '') throw new Error('--encoder needs a model reference (packaged:<name> or a model folder)');
      options.encoder = value;
    } else if (flag === '--seeds') options.seeds = positiveIntegerOption(flag, value);
    else if (flag === '--per-label') options.perLabel = positiveIntegerOption(flag, value);
    else if (flag === '--lr') {
      const lr = Number(value);
      if (!(lr > 0)) throw new Error(`--lr needs a positive number, got "${value ?? ''}"`);
      options.lr = lr;
    } else if (flag === '--max-epochs') options.maxEpochs = positiveIntegerOption(flag, value);
    else if (flag === '--patience') options.patience = positiveIntegerOption(flag, value);
    else if (flag === '--threads') options.threads = positiveIntegerOption(flag, value);
    else throw new Error(`unknown option "${flag}" (known: --encoder, --seeds, --per-label, --lr, --max-epochs, --patience, --threads)`);
  }
  return options;
}

/** `packaged:multilingual-e5-small` and `/models/multilingual-e5-small` are both "multilingual-e5-small". */
function encoderName(reference: string): string {
  return reference.startsWith('packaged:') ? reference.slice('packaged:'.length) : basename(reference.replace(/\/+$/, ''));
}

const points = (value: number): string => (value * 100).toFixed(1);

export async function run(args: string[]): Promise<number> {
  const options = parseOptions(args);
  const spec = getDatasetSpec('sib200');
  const training = trainingSchema.parse({ model: options.encoder, lr: options.lr, maxEpochs: options.maxEpochs, patience: options.patience });
  const root = await mkdtemp(join(tmpdir(), 'synthlab-trainer-quality-'));
  const store = new ArtifactStore(join(root, 'store'));
  const selectTrainingSet = createSelectActivity({ store, models: createModelSource() });
  const sizes = [
    { name: String(options.perLabel), perLabel: options.perLabel },
    { name: 'all', perLabel: WHOLE_SPLIT_PER_LABEL },
  ];
  const scores = new Map<string, number[]>();
  const record = (size: string, method: Method, value: number) => scores.set(`${size}/${method}`, [...(scores.get(`${size}/${method}`) ?? []), value]);
  try {
    console.log(
      `trainer-quality: ${encoderName(options.encoder)} on gold sib200 cy, ${options.perLabel} per label and the whole train split, ` +
        `${options.seeds} seed(s), ${options.threads} torch thread(s); training defaults ${JSON.stringify(training)}`,
    );
    for (let seed = 1; seed <= options.seeds; seed += 1) {
      for (const size of sizes) {
        const selected = await selectTrainingSet({
          dataRoot: dataRootDefault(),
          dataset: spec,
          language: 'cy',
          perLabel: size.perLabel,
          devPerLabel: training.devPerLabel,
          seed,
        });
        const figures: string[] = [];
        for (const method of METHODS) {
          const input = fineTuneInputSchema.parse({ train: selected.train, dev: selected.dev, labels: selected.labels, seed, training: { ...training, method } });
          const dir = join(root, 'runs', `${size.name}-${method}-seed-${seed}`);
          const started = performance.now();
          const result = await runMlCommand({
            command: 'train-evaluate',
            configPath: join(dir, 'train-evaluate.json'),
            config: {
              ...(await trainConfigFor(store, input, join(dir, 'run'))),
              ...evaluationFilesConfig({ testFile: await store.localPath(selected.test), predictionsFile: join(dir, 'predictions.jsonl'), metricsFile: join(dir, 'metrics.json') }),
            },
            threads: options.threads,
          });
          const seconds = (performance.now() - started) / 1000;
          const macroF1 = Number(result.done.macro_f1);
          if (!Number.isFinite(macroF1)) throw new Error(`${method} seed ${seed}: train-evaluate reported no macro_f1`);
          record(size.name, method, macroF1);
          figures.push(`${method} ${points(macroF1)} (${seconds.toFixed(0)} s)`);
          await rm(dir, { recursive: true, force: true });
        }
        console.log(`seed ${seed}, ${size.name === 'all' ? `whole split (${selected.trainSize})` : `${size.name} per label (${selected.trainSize})`}: ${figures.join(', ')}`);
      }
    }
    const summary = (size: string, method: Method) => meanAndStd(scores.get(`${size}/${method}`) ?? []);
    for (const size of sizes) {
      for (const method of METHODS) {
        const { mean, std } = summary(size.name, method);
        console.log(`${size.name.padStart(3)} ${method.padEnd(12)} test macro-F1 ${points(mean)} ± ${points(std)} (seeds: ${(scores.get(`${size.name}/${method}`) ?? []).map(points).join(', ')})`);
      }
    }
    const [few, all] = sizes.map((size) => size.name) as [string, string];
    console.log(
      `trainer-quality: encoder=${encoderName(options.encoder)} finetune_${few}=${points(summary(few, 'fine-tune').mean)} probe_${few}=${points(summary(few, 'linear-probe').mean)} ` +
        `finetune_all=${points(summary(all, 'fine-tune').mean)} probe_all=${points(summary(all, 'linear-probe').mean)}`,
    );
    return 0;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
