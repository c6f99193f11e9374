/**
 * Activities that do no LLM or training work, registered under the real names so the real
 * workflows run unchanged: the sweep-scale benchmark measures orchestration alone with them, and
 * fast workflow tests count and steer calls through a probe. The sweep records activities are the
 * real ones. Never imported by the CLI or the real worker.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createSweepRecordActivities, type ActivityDeps } from '../src/activities';
import type {
  AnnotateOutput,
  DedupeOutput,
  EvaluateOutput,
  FineTuneAndEvaluateOutput,
  FineTuneOutput,
  GenerateOutput,
  KeepSamplesOutput,
  ReviseOutput,
  SelectOutput,
  SummarizeLabelsOutput,
} from '../src/activities/contracts';
import type { ArtifactRef } from '../src/artifacts/ref';

export interface NoopProbe {
  /** Milliseconds each no-op activity waits (0: returns at once); `delayMsFor` overrides it per activity. */
  delayMs?: number;
  delayMsFor?: Partial<Record<string, number>>;
  /** Called when an activity starts; throwing here fails that activity. */
  onStart?(name: string, input: Record<string, unknown>): void;
  onEnd?(name: string, input: Record<string, unknown>): void;
}

const NOTHING: ArtifactRef = { uri: 'file:///dev/null', sha256: '0'.repeat(64), bytes: 0 };

/** A failure the probe throws to fail a cell for good (no retries). */
export function injectedFailure(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InjectedFailure', message, nonRetryable: true });
}

export function createNoopActivities(deps: Pick<ActivityDeps, 'store'>, probe: NoopProbe = {}) {
  // Every activity, no-op or real, is seen by the probe.
  const observed =
    <Input, Output>(name: string, activity: (input: Input) => Promise<Output>) =>
    async (input: Input): Promise<Output> => {
      probe.onStart?.(name, input as Record<string, unknown>);
      try {
        return await activity(input);
      } finally {
        probe.onEnd?.(name, input as Record<string, unknown>);
      }
    };
  const step = <Output>(name: string, output: (input: Record<string, unknown>) => Output) =>
    observed(name, async (input: Record<string, unknown>) => {
      const delay = probe.delayMsFor?.[name] ?? probe.delayMs;
      if (delay) await new Promise((resolveDelay) => setTimeout(resolveDelay, delay));
      return output(input);
    });
  const probed = <T extends Record<string, (input: never) => Promise<unknown>>>(activities: T): T =>
    Object.fromEntries(Object.entries(activities).map(([name, activity]) => [name, observed(name, activity)])) as T;
  const cpu = {
    summarizeLabels: step<SummarizeLabelsOutput>('summarizeLabels', () => ({ descriptions: NOTHING, provenance: NOTHING, llmCalls: 0 })),
    generateSamples: step<GenerateOutput>('generateSamples', () => ({
      candidates: NOTHING,
      requests: NOTHING,
      demos: NOTHING,
      requestsByLabel: {},
      parsedByLabel: {},
      uniqueByLabel: {},
      shortfallByLabel: {},
      llmCalls: 0,
    })),
    reviseSamples: step<ReviseOutput>('reviseSamples', () => ({ accepted: NOTHING, rejects: NOTHING, rejectedByLabel: {}, llmCalls: 0 })),
    dedupeSamples: step<DedupeOutput>('dedupeSamples', () => ({ kept: NOTHING, removed: NOTHING, removedByLabel: {} })),
    // No requests counted: the product ends after its first round.
    keepSamples: step<KeepSamplesOutput>('keepSamples', () => ({
      ledger: { kept: NOTHING, removed: NOTHING, rejects: NOTHING },
      keptByLabel: {},
      removedAsDuplicatesByLabel: {},
      overQuotaByLabel: {},
      rejectedByJudgeByLabel: {},
    })),
    annotateSamples: step<AnnotateOutput>('annotateSamples', () => ({ dataset: NOTHING, keptByLabel: {} })),
    selectTrainingSet: step<SelectOutput>('selectTrainingSet', () => ({
      train: NOTHING,
      dev: NOTHING,
      test: NOTHING,
      labels: ['a', 'b'],
      trainSize: 2,
      shortfallByLabel: {},
    })),
    ...probed(createSweepRecordActivities({ store: deps.store } as ActivityDeps)),
  };
  const trained = (input: Record<string, unknown>): FineTuneOutput => ({
    runKey: `noop-${String(input.seed)}`,
    modelDir: '/dev/null',
    trainResult: NOTHING,
    bestEpoch: 0,
    epochsRun: 0,
    resumedFromEpoch: null,
    trainings: 0,
  });
  const evaluated: EvaluateOutput = { metrics: NOTHING, predictions: NOTHING, accuracy: 0.5, macroF1: 0.5 };
  const gpu = {
    fineTuneAndEvaluate: step<FineTuneAndEvaluateOutput>('fineTuneAndEvaluate', (input) => ({ trained: trained(input), evaluated })),
    fineTune: step<FineTuneOutput>('fineTune', trained),
    evaluateModel: step<EvaluateOutput>('evaluateModel', () => evaluated),
  };
  return { cpu, gpu };
}
