/**
 * Fine-tune stage (GPU queue): runs `synthlab_ml train` as a subprocess in a folder keyed by the
 * run's inputs. The trainer writes a checkpoint every epoch (and every `checkpointEverySteps` steps
 * or `checkpointEveryMinutes` minutes, and on a preemption notice) and resumes from the newest one,
 * so after a worker crash the retried activity continues where training stopped. Heartbeats carry
 * the last epoch and the retry ledger (training-attempts.ts); cancellation stops the subprocess.
 * Cells run it through `fineTuneAndEvaluate`; the pieces below are shared with that activity.
 */
import { readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import type { DeviceSeconds } from '../artifacts/results';
import type { ArtifactStore } from '../artifacts/store';
import { pickTrainerSettings, withoutUnchangedLaterSettings } from '../config/schema';
import { hashOf } from '../shared/hash';
import { fineTuneInputSchema, fineTuneOutputSchema, type FineTuneInput, type FineTuneOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { mlTrainConfig } from './ml-configs';
import { runMlCommand, type MlEvent } from './ml-runner';
import { withRunLock } from './run-lock';
import { underRetryBudget } from './training-attempts';

const trainResultSchema = z.looseObject({
  best_epoch: z.number().int(),
  epochs_run: z.number().int(),
  best_dir: z.string(),
});

/** The training run's identity: every input that changes the trained model (not device, threads, checkpoint cadence or scheduling). */
export function fineTuneRunKey(input: FineTuneInput): string {
  // Settings added later are left out at their unchanged value: runs trained before them keep their key.
  const {
    device: _device,
    predictBatchSize: _predictBatchSize,
    // A resume continues bit for bit (ml/tests/test_preemption.py), so when checkpoints are written changes no weight.
    checkpointEverySteps: _checkpointEverySteps,
    checkpointEveryMinutes: _checkpointEveryMinutes,
    ...affecting
  } = withoutUnchangedLaterSettings(pickTrainerSettings(input.training));
  return hashOf({ model: input.training.model, seed: input.seed, labels: input.labels, train: input.train.sha256, dev: input.dev.sha256, settings: affecting });
}

/** The ML CLI's `train` config for this input, training into `outputDir` (the train and dev files fetched from the store first). */
export async function trainConfigFor(store: ArtifactStore, input: FineTuneInput, outputDir: string): Promise<Record<string, unknown>> {
  const [trainFile, devFile] = await Promise.all([store.localPath(input.train), store.localPath(input.dev)]);
  const files = { model: input.training.model, trainFile, devFile, labels: input.labels, outputDir, seed: input.seed };
  return mlTrainConfig(files, input.training);
}

/**
 * The trainer's result with every path inside its run folder made relative to it (`best`,
 * `epochs/epoch-1`): the stored result names no machine's folders.
 */
export async function withRunRelativePaths(resultText: string, outputDir: string): Promise<string> {
  const roots = [...new Set([outputDir, await realpath(outputDir)])];
  const relativize = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const root = roots.find((candidate) => value === candidate || value.startsWith(`${candidate}${sep}`));
      return root === undefined ? value : relative(root, value).split(sep).join('/') || '.';
    }
    if (Array.isArray(value)) return value.map(relativize);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, relativize(child)]));
    return value;
  };
  return `${JSON.stringify(relativize(JSON.parse(resultText)), null, 2)}\n`;
}

/** Follows the trainer's events: whether this call trained (`start`), the last epoch and step, for heartbeats. */
export class TrainingProgress {
  started: MlEvent | undefined;
  lastEpoch: Record<string, unknown> = { epoch: 0 };

  observe(event: MlEvent): void {
    if (event.event === 'start') this.started = event;
    if (event.event === 'epoch') this.lastEpoch = { epoch: event.epoch, devMacroF1: event.dev_macro_f1, globalStep: event.global_step };
    if (event.event === 'step') this.lastEpoch = { ...this.lastEpoch, globalStep: event.global_step };
  }
}

/** The device the trainer said it trained on (its `start` event), else the configured one. */
export function trainedDevice(progress: TrainingProgress, configured: string): string {
  const device = progress.started?.device;
  return typeof device === 'string' && device.length > 0 ? device : configured;
}

/** Wall seconds from `startedAt` to `endedAt` (performance.now() values) on `device`, to the millisecond. */
export function deviceSeconds(device: string, startedAt: number, endedAt: number): DeviceSeconds {
  return { device, seconds: Math.round(Math.max(0, endedAt - startedAt)) / 1000 };
}

/** A run found in the records: this call neither trained nor resumed it. */
export function reusedRun(run: FineTuneOutput): FineTuneOutput {
  return { ...run, trainings: 0, resumedFromEpoch: null };
}

/** Reads the finished run from `outputDir`, stores its result and records it under the run key. */
export async function recordTrainedRun(
  deps: ActivityDeps,
  runKey: string,
  outputDir: string,
  progress: TrainingProgress,
  compute: DeviceSeconds | undefined,
): Promise<FineTuneOutput> {
  const resultText = await readFile(join(outputDir, 'train_result.json'), 'utf8');
  const result = trainResultSchema.parse(JSON.parse(resultText));
  const resumed = progress.started?.resumed_from_epoch;
  const output: FineTuneOutput = {
    runKey,
    // Published to the store (a no-op on a local one), so annotate and predict on any worker find it.
    modelDir: await deps.store.publishModel(result.best_dir),
    trainResult: await deps.store.put(await withRunRelativePaths(resultText, outputDir), 'json'),
    bestEpoch: result.best_epoch,
    epochsRun: result.epochs_run,
    resumedFromEpoch: typeof resumed === 'number' ? resumed : null,
    trainings: progress.started ? 1 : 0,
    ...(compute ? { compute } : {}),
  };
  await deps.store.record('fine-tune', runKey, output);
  return output;
}

export function createFineTuneActivity(deps: ActivityDeps) {
  return async function fineTune(rawInput: FineTuneInput): Promise<FineTuneOutput> {
    const input = fineTuneInputSchema.parse(rawInput);
    const runKey = fineTuneRunKey(input);
    const cached = await deps.store.lookup('fine-tune', runKey, fineTuneOutputSchema);
    if (cached) return reusedRun(cached);

    const outputDir = deps.store.workDir('train', runKey);
    return underRetryBudget(outputDir, input.training, { runKey }, (attempts) =>
      withRunLock(runKey, () => Context.current().heartbeat({ runKey, phase: 'waiting', attempts }), async () => {
        const context = Context.current();
        const progress = new TrainingProgress();
        const startedAt = performance.now();
        await runMlCommand({
          command: 'train',
          configPath: join(outputDir, 'train-config.json'),
          config: await trainConfigFor(deps.store, input, outputDir),
          threads: input.training.threads,
          signal: context.cancellationSignal,
          preemption: deps.preemption,
          onEvent: (event) => progress.observe(event),
          heartbeat: () => context.heartbeat({ runKey, ...progress.lastEpoch, attempts }),
        });
        // A run that had already finished (the trainer only re-read its result) took no training time that this call saw.
        const compute = progress.started ? deviceSeconds(trainedDevice(progress, input.training.device), startedAt, performance.now()) : undefined;
        return recordTrainedRun(deps, runKey, outputDir, progress, compute);
      }),
    );
  };
}
