/**
 * Expands a validated sweep config into its shared data products and its cells. Pure and
 * deterministic: the sweep workflow calls it, so it must not touch Node built-ins.
 *
 * A data product (generate → revise → dedupe → annotate) is keyed by exactly the inputs that
 * affect it, so every cell that differs only in seed or downstream settings shares it.
 */
import { hashOf } from '../shared/hash';
import type { CellTitleParts } from '../shared/summaries';
import type { GenerationSettings, GeneratorConfig, LabelDescriptionsSettings, RevisionSettings, SweepConfig, TrainingSettings } from './schema';
import { strategySettings, type StrategyName, type StrategySettings } from './strategies';

export interface DataProductSpec {
  key: string;
  task: string;
  language: string;
  strategy: StrategyName;
  strategySettings: StrategySettings;
  generator: GeneratorConfig;
  taskDescription: string | undefined;
  generation: GenerationSettings;
  /** Present only when the strategy revises. */
  revision: RevisionSettings | undefined;
  /** Present only for the summarized-label (SL) strategies. */
  labelDescriptions: LabelDescriptionsSettings | undefined;
}

/** A cell: what its title names (strategy and generator are `gold` for the gold baseline), plus what it runs on. */
export interface CellSpec extends CellTitleParts {
  key: string;
  dataProductKey: string | undefined;
  perLabel: number;
  training: TrainingSettings;
}

export interface SweepPlan {
  dataProducts: DataProductSpec[];
  cells: CellSpec[];
  /** Distinct LLM-written label-summary sets: one per (task, generator, summary settings). */
  labelSummaries: string[];
}

/** Label summaries depend on the task and the writing model, not on the target language. */
export function labelSummaryKey(spec: Pick<DataProductSpec, 'task' | 'generator' | 'labelDescriptions'>): string | undefined {
  if (spec.labelDescriptions?.source !== 'llm') return undefined;
  return `${spec.task}.${spec.generator.name}.${hashOf({ generator: generatorIdentity(spec.generator), settings: spec.labelDescriptions }).slice(0, 10)}`;
}

/** Generator identity for keys: what the model is, not how many requests may run at once or how long faults are retried. */
export function generatorIdentity(generator: Pick<GeneratorConfig, 'provider'>): unknown {
  const { concurrency: _concurrency, ...identity } = generator.provider;
  if ('faultBudgetSeconds' in identity) {
    const { faultBudgetSeconds: _faultBudgetSeconds, ...remote } = identity;
    return remote;
  }
  return identity;
}

export function dataProductKey(spec: Omit<DataProductSpec, 'key'>): string {
  const readable = `${spec.task}.${spec.language}.${spec.strategy}.${spec.generator.name}`;
  const affecting = {
    task: spec.task,
    taskDescription: spec.taskDescription,
    language: spec.language,
    strategy: spec.strategySettings,
    generator: generatorIdentity(spec.generator),
    generation: spec.generation,
    revision: spec.revision,
    labelDescriptions: spec.labelDescriptions,
  };
  return `${readable}.${hashOf(affecting).slice(0, 10)}`;
}

export function planSweep(config: SweepConfig): SweepPlan {
  const dataProducts: DataProductSpec[] = [];
  const cells: CellSpec[] = [];
  for (const task of config.tasks) {
    for (const language of config.languages) {
      for (const strategy of config.strategies) {
        const settings = strategySettings(strategy);
        for (const generator of config.generators) {
          const withoutKey = {
            task: task.dataset,
            language,
            strategy,
            strategySettings: settings,
            generator,
            taskDescription: task.description,
            generation: config.generation,
            revision: settings.revision ? config.revision : undefined,
            labelDescriptions: settings.summarizedLabel ? config.labelDescriptions : undefined,
          };
          const product: DataProductSpec = { key: dataProductKey(withoutKey), ...withoutKey };
          dataProducts.push(product);
          for (const seed of config.seeds) {
            cells.push({
              key: `${task.dataset}.${language}.${strategy}.${generator.name}.s${seed}`,
              kind: 'synthetic',
              task: task.dataset,
              language,
              strategy,
              generator: generator.name,
              seed,
              dataProductKey: product.key,
              perLabel: config.selection.perLabel,
              training: config.training,
            });
          }
        }
      }
      if (config.goldBaseline) {
        for (const seed of config.seeds) {
          cells.push({
            key: `${task.dataset}.${language}.gold.s${seed}`,
            kind: 'gold',
            task: task.dataset,
            language,
            strategy: 'gold',
            generator: 'gold',
            seed,
            dataProductKey: undefined,
            perLabel: config.selection.perLabel,
            training: config.training,
          });
        }
      }
    }
  }
  const labelSummaries = [...new Set(dataProducts.map(labelSummaryKey).filter((key): key is string => key !== undefined))];
  return { dataProducts, cells, labelSummaries };
}
