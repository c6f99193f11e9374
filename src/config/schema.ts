/**
 * The sweep config: one zod schema, `z.infer` for the type. Validated at the edge (CLI), so
 * workflows and activities receive a config that is already known to be well formed.
 */
import { z } from 'zod';
import { providerConfigSchema } from '../llm/provider-config';
import { STRATEGY_NAMES, type StrategyName } from './strategies';

export const samplingSchema = z.strictObject({
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1),
  repetitionPenalty: z.number().min(1).max(2),
  maxTokens: z.number().int().positive(),
  seed: z.number().int().optional(),
});

const strategyNameSchema = z.string().refine((name): name is StrategyName => (STRATEGY_NAMES as string[]).includes(name), {
  error: (issue) => `unknown strategy "${String(issue.input)}"; valid strategies: ${STRATEGY_NAMES.join(', ')}`,
});

export const generatorSchema = z.strictObject({
  /** Short name used in ids, search attributes and tables, e.g. `smollm2`. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
  provider: providerConfigSchema,
});

const taskSchema = z.strictObject({
  /** A dataset registry name (`sib200`, `massive10`, `sentiment`, …). */
  dataset: z.string().min(1),
  /** What the classifier predicts, used in prompts; a default exists for each built-in dataset. */
  description: z.string().min(1).optional(),
});

export const generationSchema = z.strictObject({
  samplesPerLabel: z.number().int().positive().default(100),
  samplesPerRequest: z.number().int().positive().default(10),
  maxRequestsPerLabel: z.number().int().positive().default(30),
  demosPerLabel: z.number().int().nonnegative().default(10),
  demoMaxWords: z.number().int().positive().default(128),
  demoSeed: z.number().int().default(0),
  minChars: z.number().int().nonnegative().default(10),
  maxChars: z.number().int().positive().default(100),
  sampling: samplingSchema.default({ temperature: 0.4, topP: 0.9, repetitionPenalty: 1.2, maxTokens: 512 }),
  /** Template files, relative to the repo root (or absolute): users can swap in their own. */
  prompts: z
    .strictObject({
      targetDemos: z.string().default('prompts/generate/target-demos.v1.md'),
      englishDemos: z.string().default('prompts/generate/english-demos.v1.md'),
      summarizedLabel: z.string().default('prompts/generate/summarized-label.v1.md'),
    })
    .default({
      targetDemos: 'prompts/generate/target-demos.v1.md',
      englishDemos: 'prompts/generate/english-demos.v1.md',
      summarizedLabel: 'prompts/generate/summarized-label.v1.md',
    }),
});

export const revisionSchema = z.strictObject({
  /**
   * Not read any more: the judge runs at its provider's `concurrency`, like generation. Kept so
   * that configs that set it still parse and their data-product keys (which hash it) stay the same.
   */
  concurrency: z.number().int().positive().default(4),
  sampling: samplingSchema.default({ temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 48 }),
  prompt: z.string().default('prompts/revise/judge.v1.md'),
});

/** Where the SL strategies' label descriptions come from: written by the generator LLM, or a user's CSV. */
export const labelDescriptionsSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('llm'),
    examplesPerLabel: z.number().int().positive().default(10),
    seed: z.number().int().default(0),
    prompt: z.string().default('prompts/summarize/label.v1.md'),
    sampling: samplingSchema.default({ temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 96 }),
  }),
  z.strictObject({
    source: z.literal('file'),
    /** A CSV with one row per label, e.g. ../shared/data/label-descriptions/intent2description.csv. */
    path: z.string(),
    labelColumn: z.string().default('intent'),
    descriptionColumn: z.string().default('description'),
  }),
]);
export type LabelDescriptionsSettings = z.infer<typeof labelDescriptionsSchema>;

/**
 * Every setting of the ML CLI's `train` and `predict`, declared once with its default. The object
 * travels whole from the config to the trainer (camelCase as here); the Python side validates it and
 * defines no defaults of its own. `ml/synthlab_ml/schemas/trainer-settings.schema.json` is generated
 * from it (`npm run schemas`).
 */
export const trainerSettingsSchema = z.strictObject({
  lr: z.number().positive().max(1).default(1e-5),
  batchSize: z.number().int().positive().max(4096).default(16),
  maxLength: z.number().int().positive().max(8192).default(128),
  maxEpochs: z.number().int().positive().max(10_000).default(50),
  /** Epochs without a better dev score before training stops. */
  patience: z.number().int().positive().default(5),
  /** Share of all optimizer steps spent warming the learning rate up from 0. */
  warmupRatio: z.number().min(0).max(1).default(0.1),
  weightDecay: z.number().min(0).max(1).default(0.01),
  /** Dropout before the classifier head; null keeps the model's own. */
  classifierDropout: z.number().min(0).lt(1).nullable().default(null),
  /** Gradient-norm clipping; null turns it off. */
  maxGradNorm: z.number().positive().nullable().default(1),
  /** The dev metric that picks the best epoch. */
  metricForBest: z.enum(['macro_f1', 'accuracy', 'loss']).default('macro_f1'),
  /** Epoch checkpoints kept while a run is unfinished (for resume). */
  keepCheckpoints: z.number().int().positive().default(2),
  /** Keep those checkpoints after the run finished (they only serve a resume; large). */
  keepCheckpointsWhenDone: z.boolean().default(false),
  /** Student temperature of the KL loss on soft-labelled rows. */
  softLabelTemperature: z.number().positive().max(100).default(1.5),
  /** How a batch's loss is computed (ml/synthlab_ml/regimes.py). */
  regime: z.enum(['standard']).default('standard'),
  predictBatchSize: z.number().int().positive().max(4096).default(64),
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
});
export type TrainerSettings = z.infer<typeof trainerSettingsSchema>;

/** The trainer's settings picked out of a wider object (the config's `training`), unknown keys dropped. */
export const pickTrainerSettings = (training: TrainerSettings): TrainerSettings => z.object(trainerSettingsSchema.shape).parse(training);

export const trainingSchema = trainerSettingsSchema.extend({
  /** A local model dir, `packaged:all-minilm-l6-v2`, `packaged:multilingual-e5-small`, or a hub id on an online machine. */
  model: z.string().min(1),
  /** Real held-out examples per label for early stopping (from the dev split, else held out of train). */
  devPerLabel: z.number().int().positive().default(10),
  /** CPU threads for torch. On a small machine that also runs a local LLM, split the cores between them. */
  threads: z.number().int().positive().optional(),
  /** How long the GPU queue may go without a heartbeat before the activity is retried elsewhere. */
  heartbeatTimeoutSeconds: z.number().int().positive().default(120),
});

const concurrencySchema = z.strictObject({
  dataProducts: z.number().int().positive().default(4),
  cells: z.number().int().positive().default(4),
});

/** Temporal's default limits on one workflow history; the server terminates a run that passes them. */
export const TEMPORAL_HISTORY_LIMITS = { events: 51_200, bytes: 50 * 1024 * 1024 } as const;

/**
 * What one child still running when the sweep stops starting new ones can add to the sweep's history
 * before it continues as new: its started and closed events and a workflow task (5 events, about
 * 1.3 KB when measured with failures' messages), with room to spare.
 */
export const DRAIN_PER_CHILD = { events: 8, bytes: 4 * 1024 } as const;

const orchestrationSchema = z.strictObject({
  /**
   * The sweep workflow stops starting children once its history has this many events, waits for
   * the running ones, and continues as new: far below Temporal's 51,200-event limit.
   */
  continueAsNewAfterEvents: z.number().int().min(20).max(40_000).default(10_000),
  /** The same for the history's size in bytes, far below Temporal's 50 MB limit. */
  continueAsNewAfterBytes: z.number().int().min(10_000).max(30_000_000).default(10_000_000),
});

export const sweepConfigSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-" only'),
    dataRoot: z.string().optional(),
    /**
     * Dataset registry entries: a built-in name with overrides (e.g. another path), or a new
     * dataset in full (format, files per split, column mapping, labels, languages).
     */
    datasets: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    tasks: z.array(taskSchema).min(1),
    languages: z.array(z.string().regex(/^[a-z]{2,3}$/, 'a 2- or 3-letter language code')).min(1),
    strategies: z.array(strategyNameSchema).min(1),
    generators: z.array(generatorSchema).min(1),
    seeds: z.array(z.number().int().nonnegative()).min(1),
    generation: generationSchema.default(generationSchema.parse({})),
    revision: revisionSchema.default(revisionSchema.parse({})),
    labelDescriptions: labelDescriptionsSchema.default(labelDescriptionsSchema.parse({ source: 'llm' })),
    selection: z.strictObject({ perLabel: z.number().int().positive() }),
    training: trainingSchema,
    goldBaseline: z.boolean().default(true),
    concurrency: concurrencySchema.default(concurrencySchema.parse({})),
    orchestration: orchestrationSchema.default(orchestrationSchema.parse({})),
  })
  .superRefine((config, context) => {
    const duplicates = (values: readonly (string | number)[]) => values.filter((value, index) => values.indexOf(value) !== index);
    for (const [field, values] of [
      ['languages', config.languages],
      ['strategies', config.strategies],
      ['seeds', config.seeds],
      ['generators', config.generators.map((generator) => generator.name)],
      ['tasks', config.tasks.map((task) => task.dataset)],
    ] as const) {
      const repeated = duplicates(values);
      if (repeated.length > 0) context.addIssue({ code: 'custom', path: [field], message: `listed twice: ${repeated.join(', ')}` });
    }
    const window = config.concurrency.cells + config.concurrency.dataProducts;
    for (const [unit, limitField] of [
      ['events', 'continueAsNewAfterEvents'],
      ['bytes', 'continueAsNewAfterBytes'],
    ] as const) {
      const worstCase = config.orchestration[limitField] + window * DRAIN_PER_CHILD[unit];
      if (worstCase > TEMPORAL_HISTORY_LIMITS[unit]) {
        context.addIssue({
          code: 'custom',
          path: ['orchestration', limitField],
          message:
            `${config.orchestration[limitField]} ${unit} plus the drain of ${window} children in flight (concurrency.cells + concurrency.dataProducts, ` +
            `up to ${DRAIN_PER_CHILD[unit]} ${unit} each) could pass Temporal's limit of ${TEMPORAL_HISTORY_LIMITS[unit]} ${unit} per history; ` +
            `lower ${limitField} or the concurrency windows`,
        });
      }
    }
    if (config.selection.perLabel > config.generation.samplesPerLabel) {
      context.addIssue({
        code: 'custom',
        path: ['selection', 'perLabel'],
        message: `selects ${config.selection.perLabel} per label but generation.samplesPerLabel is only ${config.generation.samplesPerLabel}`,
      });
    }
  });

export type SweepConfigInput = z.input<typeof sweepConfigSchema>;
export type SweepConfig = z.infer<typeof sweepConfigSchema>;
export type GeneratorConfig = SweepConfig['generators'][number];
export type GenerationSettings = SweepConfig['generation'];
export type RevisionSettings = SweepConfig['revision'];
export type TrainingSettings = SweepConfig['training'];
export type SamplingSettings = z.infer<typeof samplingSchema>;
