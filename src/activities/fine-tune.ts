/**
 * Fine-tune stage (GPU queue): runs `synthlab_ml train` as a subprocess in a folder keyed by the
 * run's inputs. The trainer writes a checkpoint every epoch and resumes from the newest one, so
 * after a worker crash the retried activity continues where training stopped. Heartbeats carry
 * the last epoch; cancellation stops the subprocess.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { pathOfRef } from '../artifacts/store';
import { resolveModelReference } from '../infra/paths';
import { hashOf } from '../shared/hash';
import { fineTuneInputSchema, fineTuneOutputSchema, type FineTuneInput, type FineTuneOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { runMlCommand, type MlEvent } from './ml-runner';

const trainResultSchema = z.looseObject({
  best_epoch: z.number().int(),
  epochs_run: z.number().int(),
  best_dir: z.string(),
});

export function createFineTuneActivity(deps: ActivityDeps) {
  return async function fineTune(rawInput: FineTuneInput): Promise<FineTuneOutput> {
    const input = fineTuneInputSchema.parse(rawInput);
    const { device: _device, threads: _threads, ...affecting } = input;
    const runKey = hashOf({ ...affecting, train: input.train.sha256, dev: input.dev.sha256 });
    const cached = await deps.store.lookup('fine-tune', runKey, fineTuneOutputSchema);
    if (cached) return { ...cached, trainings: 0, resumedFromEpoch: null };

    const outputDir = deps.store.workDir('train', runKey);
    const context = Context.current();
    let lastProgress: Record<string, unknown> = { runKey, epoch: 0 };
    let started: MlEvent | undefined;
    await runMlCommand({
      command: 'train',
      configPath: join(outputDir, 'train-config.json'),
      config: {
        model: resolveModelReference(input.model),
        train_file: pathOfRef(input.train),
        dev_file: pathOfRef(input.dev),
        labels: input.labels,
        output_dir: outputDir,
        seed: input.seed,
        lr: input.lr,
        batch_size: input.batchSize,
        max_length: input.maxLength,
        max_epochs: input.maxEpochs,
        patience: input.patience,
        device: input.device,
      },
      threads: input.threads,
      signal: context.cancellationSignal,
      onEvent: (event) => {
        if (event.event === 'start') started = event;
        if (event.event === 'epoch') lastProgress = { runKey, epoch: event.epoch, devMacroF1: event.dev_macro_f1 };
      },
      heartbeat: () => context.heartbeat(lastProgress),
    });

    const resultText = await readFile(join(outputDir, 'train_result.json'), 'utf8');
    const result = trainResultSchema.parse(JSON.parse(resultText));
    const resumed = started?.resumed_from_epoch;
    const output: FineTuneOutput = {
      runKey,
      modelDir: result.best_dir,
      trainResult: await deps.store.put(resultText, 'json'),
      bestEpoch: result.best_epoch,
      epochsRun: result.epochs_run,
      resumedFromEpoch: typeof resumed === 'number' ? resumed : null,
      trainings: started ? 1 : 0,
    };
    await deps.store.record('fine-tune', runKey, output);
    return output;
  };
}
