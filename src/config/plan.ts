/**
 * Expands a validated sweep config into its shared data products and its cells. Pure and
 * deterministic: the sweep workflow calls it, so it must not touch Node built-ins.
 *
 * A data product (generate → revise → dedupe → annotate) is keyed by exactly the inputs that
 * affect it, so every cell that differs only in seed or downstream settings shares it.
 */
import { hashOf } from '../shared/hash';
import type { CellTitleParts } from '../shared/summaries';
import type {
  EmbeddingSettings,
  GenerationSettings,
  GeneratorConfig,
  LabelDescriptionsSettings,
  RevisionSettings,
  SweepConfig,
  TrainingSettings,
} from './schema';
import { strategySettings, type StrategyName, type StrategySettings } from './strategies';
import { withoutUnchangedLaterSettings } from './later-settings';
import { methodNeedsEpochs, usesStudyD, type Annotator, type BaselineName, type LabelKind, type SelectionMethodName } from './study-d';

/** The model trained on a task's source data that annotates the generations (study D): one per task, source language and settings. */
export interface TeacherSpec {
  key: string;
  task: string;
  /** The source language: the generation language, whose train and dev splits it learns from. */
  language: string;
  training: TrainingSettings;
  /** Source rows per label; undefined = all of the train split. */
  perLabel: number | undefined;
  seed: number;
}

/** What a data product's annotate stage computes beyond the prompt's labels (study D). */
export interface AnnotationSpec {
  annotators: Annotator[];
  /** Present when the teacher annotates. */
  teacherKey: string | undefined;
  /** The teacher's predictions per epoch checkpoint are needed (easy, amb), or only the best checkpoint's. */
  checkpoints: 'best' | 'every-epoch';
  embedding: EmbeddingSettings;
}

/** How a study D cell builds its training set and from what. */
export interface TrainingSetSpec {
  /** `method` for a selection-method cell; else the baseline. */
  role: 'method' | BaselineName;
  method: SelectionMethodName;
  labels: LabelKind;
  /** Trains on selected generations (method, GEN, SRC+GEN). */
  synthetic: boolean;
  /** Trains on the task's source data (SRC, SRC+GEN, and method cells with selection.withSource). */
  source: boolean;
  /** Source rows per label; undefined = all. */
  sourcePerLabel: number | undefined;
  clustersPerLabel: number;
}

/** Where a study D cell is scored: the evaluation dataset's test split in one language. */
export interface EvaluationSpec {
  dataset: string;
  language: string;
}

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
  /** Study D's annotation (teacher probabilities, embeddings); absent for study A products, whose keys stay as they were. */
  annotation?: AnnotationSpec | undefined;
}

/** A cell: what its title names (strategy and generator are `gold` for the gold baseline), plus what it runs on. */
export interface CellSpec extends CellTitleParts {
  key: string;
  dataProductKey: string | undefined;
  perLabel: number;
  training: TrainingSettings;
  /** Study D only (absent fields leave a study A cell's spec hash as it was). */
  trainingSet?: TrainingSetSpec | undefined;
  evaluation?: EvaluationSpec | undefined;
  teacherKey?: string | undefined;
}

export interface SweepPlan {
  dataProducts: DataProductSpec[];
  cells: CellSpec[];
  /** Study D's teachers, each trained once and shared by every product that names it. */
  teachers: TeacherSpec[];
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
    annotation: spec.annotation,
  };
  return `${readable}.${hashOf(affecting).slice(0, 10)}`;
}

/**
 * A cell's spec hash: the cell records its result under it, and a resumed sweep treats the cell
 * as finished only when today's spec has the same hash. Trainer settings added later are left out
 * at their unchanged value, so cells recorded before them stay finished.
 */
export function cellSpecHash(cell: CellSpec): string {
  return hashOf({ ...cell, training: withoutUnchangedLaterSettings(cell.training) });
}

/** A teacher's key: readable, and hashed from exactly what it is trained from. */
export function teacherKey(spec: Omit<TeacherSpec, 'key'>): string {
  return `${spec.task}.${spec.language}.teacher.${hashOf(spec).slice(0, 10)}`;
}

/** `→de` when the cell is scored in another language or dataset than its own; empty otherwise. */
function evaluationSuffix(evaluation: EvaluationSpec | undefined): string {
  return evaluation === undefined ? '' : `→${evaluation.language}`;
}

export function planSweep(config: SweepConfig): SweepPlan {
  return usesStudyD(config) ? planStudyD(config) : planStudyA(config);
}

function productFor(config: SweepConfig, task: SweepConfig['tasks'][number], language: string, strategy: StrategyName, generator: GeneratorConfig, annotation: AnnotationSpec | undefined): DataProductSpec {
  const settings = strategySettings(strategy);
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
    ...(annotation === undefined ? {} : { annotation }),
  };
  return { key: dataProductKey(withoutKey), ...withoutKey };
}

function goldCells(config: SweepConfig, task: string, language: string): CellSpec[] {
  if (!config.goldBaseline) return [];
  return config.seeds.map((seed) => ({
    key: `${task}.${language}.gold.s${seed}`,
    kind: 'gold',
    task,
    language,
    strategy: 'gold',
    generator: 'gold',
    seed,
    dataProductKey: undefined,
    perLabel: config.selection.perLabel,
    training: config.training,
  }));
}

function planStudyA(config: SweepConfig): SweepPlan {
  const dataProducts: DataProductSpec[] = [];
  const cells: CellSpec[] = [];
  for (const task of config.tasks) {
    for (const language of config.languages) {
      for (const strategy of config.strategies) {
        for (const generator of config.generators) {
          const product = productFor(config, task, language, strategy, generator, undefined);
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
      cells.push(...goldCells(config, task.dataset, language));
    }
  }
  const labelSummaries = [...new Set(dataProducts.map(labelSummaryKey).filter((key): key is string => key !== undefined))];
  return { dataProducts, cells, teachers: [], labelSummaries };
}

/**
 * Study D: per task and generation (source) language, one teacher; per strategy and generator one
 * data product, annotated by that teacher; cells for every selection method × label kind and the
 * baselines, each scored in every evaluation language.
 */
function planStudyD(config: SweepConfig): SweepPlan {
  const dataProducts: DataProductSpec[] = [];
  const cells: CellSpec[] = [];
  const teachers: TeacherSpec[] = [];
  const { selection } = config;
  const methods = selection.methods ?? ['rand'];
  const labelKinds = selection.labels ?? ['prompt'];
  const baselines = config.baselines ?? [];
  const embedding = selection.embedding ?? { model: 'packaged:multilingual-e5-small', clustersPerLabel: 25, maxLength: 128, batchSize: 64 };
  const annotators = config.annotation?.annotators ?? ['prompt'];
  const sourcePerLabel = selection.sourcePerLabel;
  const trainingSet = (role: TrainingSetSpec['role'], method: SelectionMethodName, labels: LabelKind): TrainingSetSpec => ({
    role,
    method,
    labels,
    synthetic: role !== 'SRC',
    source: role === 'SRC' || role === 'SRC+GEN' || (role === 'method' && selection.withSource === true),
    sourcePerLabel,
    clustersPerLabel: embedding.clustersPerLabel,
  });
  for (const task of config.tasks) {
    const evaluations: (EvaluationSpec | undefined)[] = task.evaluation ? task.evaluation.languages.map((language) => ({ dataset: task.evaluation?.dataset ?? task.dataset, language })) : [undefined];
    for (const language of config.languages) {
      let teacher: TeacherSpec | undefined;
      if (config.teacher !== undefined) {
        // Cartography reads one prediction per epoch: the teacher keeps its epoch checkpoints.
        const training = { ...config.teacher.training, keepEpochCheckpoints: true };
        const withoutKey = { task: task.dataset, language, training, perLabel: config.teacher.perLabel, seed: config.teacher.seed };
        teacher = { key: teacherKey(withoutKey), ...withoutKey };
        teachers.push(teacher);
      }
      const annotation: AnnotationSpec = {
        annotators,
        teacherKey: teacher?.key,
        checkpoints: teacher !== undefined && methods.some(methodNeedsEpochs) ? 'every-epoch' : 'best',
        embedding,
      };
      const cellOf = (seed: number, evaluation: EvaluationSpec | undefined, parts: { name: string; strategy: string; generator: string; product: DataProductSpec | undefined; set: TrainingSetSpec }): CellSpec => ({
        key: `${parts.name}${evaluationSuffix(evaluation)}.s${seed}`,
        kind: parts.product === undefined ? 'gold' : 'synthetic',
        task: task.dataset,
        language,
        strategy: parts.strategy,
        generator: parts.generator,
        seed,
        dataProductKey: parts.product?.key,
        perLabel: selection.perLabel,
        training: config.training,
        trainingSet: parts.set,
        evaluation,
        teacherKey: parts.set.labels === 'prompt' && parts.set.method === 'rand' ? undefined : teacher?.key,
      });
      for (const strategy of config.strategies) {
        for (const generator of config.generators) {
          const product = productFor(config, task, language, strategy, generator, annotation);
          dataProducts.push(product);
          const base = `${task.dataset}.${language}.${strategy}.${generator.name}`;
          for (const evaluation of evaluations) {
            for (const seed of config.seeds) {
              for (const method of methods) {
                for (const labels of labelKinds) {
                  cells.push(cellOf(seed, evaluation, { name: `${base}.${method}.${labels}`, strategy, generator: generator.name, product, set: trainingSet('method', method, labels) }));
                }
              }
              for (const baseline of baselines) {
                if (baseline === 'SRC') continue;
                cells.push(cellOf(seed, evaluation, { name: `${base}.${baseline}`, strategy, generator: generator.name, product, set: trainingSet(baseline, 'rand', 'prompt') }));
              }
            }
          }
        }
      }
      if (baselines.includes('SRC')) {
        for (const evaluation of evaluations) {
          for (const seed of config.seeds) {
            cells.push(cellOf(seed, evaluation, { name: `${task.dataset}.${language}.SRC`, strategy: 'SRC', generator: 'gold', product: undefined, set: trainingSet('SRC', 'rand', 'prompt') }));
          }
        }
      }
      cells.push(...goldCells(config, task.dataset, language));
    }
  }
  const labelSummaries = [...new Set(dataProducts.map(labelSummaryKey).filter((key): key is string => key !== undefined))];
  return { dataProducts, cells, teachers, labelSummaries };
}

/**
 * What a plan runs, counted for `sweep plan`: teachers, annotations (one per study D data product),
 * selections (one per study D cell) and student trainings (cells that differ only in evaluation
 * language share one).
 */
export function planCounts(plan: SweepPlan): { teachers: number; annotations: number; selections: number; studentTrainings: number } {
  const annotations = plan.dataProducts.filter((product) => product.annotation !== undefined).length;
  // Cells that differ only in evaluation language share their training set and their training run.
  const trainingKey = (cell: CellSpec) => (cell.evaluation === undefined ? cell.key : cell.key.replace(`→${cell.evaluation.language}.`, '.'));
  const trainings = new Set(plan.cells.map(trainingKey)).size;
  const selections = plan.cells.filter((cell) => cell.trainingSet !== undefined).length;
  return { teachers: plan.teachers.length, annotations, selections, studentTrainings: trainings };
}
