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
  SamplingSettings,
  SweepConfig,
  TrainingSettings,
} from './schema';
import { classifierVariant, type ClassifierMode } from './classifiers';
import { batchSizeForSize } from './sizes';
import { translateTargets } from './translate-targets';
import type { ProviderConfig } from '../llm/provider-config';
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
  /** Study C: LLM annotators; absent without them, so study D products keep their keys. */
  llm?: LlmAnnotationSpec | undefined;
}

/** One LLM annotator of study C: its name, the generator whose model it asks, its prompt file and reply budget. */
export interface LlmAnnotatorSpec {
  name: string;
  generator: GeneratorConfig;
  prompt: string;
  maxTokens: number;
}

/** What a product's LLM annotators do (study C). */
export interface LlmAnnotationSpec {
  annotators: LlmAnnotatorSpec[];
  /** The annotator whose labels the product's rows take, or `prompt` to keep the prompt's label. */
  labelFrom: string;
  labelDistribution: 'as-annotated' | 'rebalanced';
  /** Gold dev rows per label the annotators also label (agreement with gold). */
  calibrationPerLabel: number;
  seed: number;
}

/** A baseline's translate-train twin: the same training set built from translated data. */
export type TranslateTrainRole = 'SRC-TT' | 'GEN-TT' | 'SRC+GEN-TT';

/** How a study D cell builds its training set and from what. */
export interface TrainingSetSpec {
  /** `method` for a selection-method cell; else the baseline (or its translate-train twin). */
  role: 'method' | BaselineName | TranslateTrainRole;
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

/** An LLM used as a classifier (study B): what a classifier cell asks, of which model. */
export interface ClassifierSpec {
  name: string;
  provider: ProviderConfig;
  mode: ClassifierMode;
  /** In-context: labelled examples per class from the gold train split; undefined for zero-shot. */
  examplesPerLabel: number | undefined;
  seed: number;
  maxTokens: number;
  /** A seeded, class-stratified subset of the test split; undefined = the whole split. */
  testRows: number | undefined;
}

/** Where an imported product's rows come from: the file, pinned by its sha256, and how to read it. */
export interface ImportSource {
  name: string;
  /** Absolute path on the machine that planned; not part of the key (the sha256 is). */
  path: string;
  sha256: string;
  format: ImportFormatName;
  columns: ImportColumnsSpec;
}

export type ImportFormatName = 'csv' | 'tsv' | 'jsonl';

export interface ImportColumnsSpec {
  text: string;
  textPair?: string | undefined;
  label: string;
  labelSource?: string | undefined;
  metadata?: string[] | undefined;
}

/** The strategy name an imported product's cells carry (in titles, keys and search attributes). */
export const IMPORTED_STRATEGY = 'Imported';

/** A data product read from a file: dedupe → annotate, no generation. */
export interface ImportedProductSpec {
  kind: 'import';
  key: string;
  task: string;
  language: string;
  strategy: typeof IMPORTED_STRATEGY;
  /** The import's name, in the place of a generator's. */
  generatorName: string;
  imported: ImportSource;
  annotation?: AnnotationSpec | undefined;
  /** Imports have no label summaries and no revision (declared so code over all products can read them). */
  labelDescriptions?: undefined;
  revision?: undefined;
}

/** The strategy name a translated product carries (in titles and search attributes). */
export const TRANSLATED_STRATEGY = 'Translated';

/** What a translated product translates: rows of the task's source train split, or another product's kept rows. */
export type TranslationFrom = { kind: 'source'; split: 'train'; perLabel: number | undefined; seed: number } | { kind: 'product'; productKey: string };

/**
 * Translate-train: a data product whose rows are another set's rows translated by an LLM into the
 * target language (`language`), deduped against the target's test split. Shared by every cell
 * that names it; keyed by exactly its inputs (what it translates, the translator's identity, the
 * prompt's sha256, the request shape and sampling, the target).
 */
export interface TranslatedProductSpec {
  kind: 'translate';
  key: string;
  task: string;
  /** The target language. */
  language: string;
  sourceLanguage: string;
  strategy: typeof TRANSLATED_STRATEGY;
  /** The translator's name, in the place of a generator's. */
  generatorName: string;
  translator: GeneratorConfig;
  translation: { prompt: string; promptSha256: string; textsPerRequest: number; sampling: SamplingSettings };
  from: TranslationFrom;
  /** The dataset whose test split in the target language the translations are deduped against (the cells' evaluation dataset). */
  testDataset: string;
  annotation?: undefined;
  labelDescriptions?: undefined;
  revision?: undefined;
}

/** A data product: generated by an LLM, imported from a file, or translated. */
export type DataProductSpec = GeneratedProductSpec | ImportedProductSpec | TranslatedProductSpec;

/** A product an LLM generates (the others are imported from files or translated from other rows). */
export function isGeneratedProduct(product: DataProductSpec): product is GeneratedProductSpec {
  return product.kind !== 'import' && product.kind !== 'translate';
}

/** The name a product's cells and titles give its generator: the LLM's, the import's or the translator's. */
export function productGeneratorName(product: DataProductSpec): string {
  return product.kind === 'import' || product.kind === 'translate' ? product.generatorName : product.generator.name;
}

/** A translated product's key: readable, and hashed from exactly its inputs (the prompt by its sha256, never its path). */
export function translatedProductKey(spec: Omit<TranslatedProductSpec, 'key'>): string {
  const { prompt: _prompt, ...translation } = spec.translation;
  const readable = `${spec.task}.${spec.language}.${TRANSLATED_STRATEGY}.${spec.from.kind === 'source' ? 'src' : 'gen'}.${spec.generatorName}`;
  const affecting = {
    task: spec.task,
    sourceLanguage: spec.sourceLanguage,
    language: spec.language,
    from: spec.from,
    translator: generatorIdentity(spec.translator),
    translation,
    testDataset: spec.testDataset,
  };
  return `${readable}.${hashOf(affecting).slice(0, 10)}`;
}

export interface GeneratedProductSpec {
  kind?: 'generated' | undefined;
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
  /** Translate-train: the translated source product whose rows replace the source split (SRC-TT, SRC+GEN-TT). */
  translatedSourceKey?: string | undefined;
  evaluation?: EvaluationSpec | undefined;
  teacherKey?: string | undefined;
  /** Study B: the training set's total size (class-balanced) and which draw of it; absent = `perLabel` per class. */
  size?: number | undefined;
  repeat?: number | undefined;
  /** Study B: an LLM classifier cell (kind `classifier`), which trains nothing. */
  classifier?: ClassifierSpec | undefined;
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
export function labelSummaryKey(spec: Pick<GeneratedProductSpec, 'task' | 'generator' | 'labelDescriptions'> | ImportedProductSpec | TranslatedProductSpec): string | undefined {
  if (!('generator' in spec)) return undefined;
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

/** An imported product's key: readable, and hashed from the file's content and how it is read (never its path). */
export function importedProductKey(spec: Omit<ImportedProductSpec, 'key'>): string {
  const { path: _path, ...source } = spec.imported;
  const readable = `${spec.task}.${spec.language}.${IMPORTED_STRATEGY}.${spec.generatorName}`;
  return `${readable}.${hashOf({ task: spec.task, language: spec.language, source, annotation: spec.annotation }).slice(0, 10)}`;
}

export function dataProductKey(spec: Omit<GeneratedProductSpec, 'key'>): string {
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
    annotation: annotationIdentity(spec.annotation),
  };
  return `${readable}.${hashOf(affecting).slice(0, 10)}`;
}

/** An annotation's identity for keys: an LLM annotator's model, not how many requests it runs at once. */
function annotationIdentity(annotation: AnnotationSpec | undefined): unknown {
  if (annotation?.llm === undefined) return annotation;
  const annotators = annotation.llm.annotators.map((annotator) => ({ ...annotator, generator: { name: annotator.generator.name, provider: generatorIdentity(annotator.generator) } }));
  return { ...annotation, llm: { ...annotation.llm, annotators } };
}

/**
 * A cell's spec hash: the cell records its result under it, and a resumed sweep treats the cell
 * as finished only when today's spec has the same hash. Trainer settings added later are left out
 * at their unchanged value, so cells recorded before them stay finished.
 */
export function cellSpecHash(cell: CellSpec): string {
  // A classifier's concurrency does not change its answers (temperature 0), only how fast they come.
  const classifier = cell.classifier === undefined ? {} : { classifier: { ...cell.classifier, provider: generatorIdentity(cell.classifier) } };
  return hashOf({ ...cell, training: withoutUnchangedLaterSettings(cell.training), ...classifier });
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
  const plan = usesStudyD(config) ? planStudyD(config) : planStudyA(config);
  // After every other cell, so a config without classifiers plans exactly what it did before.
  return { ...plan, cells: [...plan.cells, ...classifierCells(config)] };
}

/** The classifiers' specs: a generator's model, or the classifier's own. */
export function classifierSpecs(config: SweepConfig): ClassifierSpec[] {
  return (config.classifiers ?? []).map((classifier) => {
    const generator = config.generators.find((candidate) => candidate.name === classifier.generator);
    const name = classifier.name ?? generator?.name;
    const provider = classifier.provider ?? generator?.provider;
    // The schema guarantees one or the other; this names the config's mistake if it was bypassed.
    if (name === undefined || provider === undefined) throw new Error(`classifier ${classifier.generator ?? classifier.name ?? '?'} has no model: set generator or name + provider`);
    return { name, provider, mode: classifier.mode, examplesPerLabel: classifier.examplesPerLabel, seed: classifier.seed, maxTokens: classifier.maxTokens, testRows: classifier.testRows };
  });
}

/**
 * Study B: every classifier on every task's test split, in each language the task's students are
 * scored in (its evaluation languages, else the sweep's languages).
 */
function classifierCells(config: SweepConfig): CellSpec[] {
  const classifiers = classifierSpecs(config);
  const cells: CellSpec[] = [];
  for (const task of config.tasks) {
    const targets = task.evaluation ? task.evaluation.languages : config.languages;
    for (const language of targets) {
      for (const classifier of classifiers) {
        const variant = classifierVariant(classifier);
        cells.push({
          key: `${task.dataset}.${language}.llm.${classifier.name}.${variant}.s${classifier.seed}`,
          kind: 'classifier',
          task: task.dataset,
          language,
          strategy: variant,
          generator: classifier.name,
          seed: classifier.seed,
          dataProductKey: undefined,
          perLabel: classifier.examplesPerLabel ?? 0,
          training: config.training,
          evaluation: task.evaluation === undefined ? undefined : { dataset: task.evaluation.dataset, language },
          classifier,
        });
      }
    }
  }
  return cells;
}

/** The imports of one task and language, as products (their sha256 was filled in by the pre-flight). */
function importedProductsFor(config: SweepConfig, task: string, language: string, annotation: AnnotationSpec | undefined): ImportedProductSpec[] {
  return (config.imports ?? [])
    .filter((entry) => entry.task === task && entry.language === language)
    .map((entry) => {
      if (entry.sha256 === undefined) throw new Error(`import ${entry.name} has no sha256: plan a config only after the pre-flight read its file`);
      const format = entry.format ?? importFormatFromPath(entry.path);
      const columns = entry.columns ?? { text: 'text', label: 'label' };
      const withoutKey: Omit<ImportedProductSpec, 'key'> = {
        kind: 'import',
        task,
        language,
        strategy: IMPORTED_STRATEGY,
        generatorName: entry.name,
        imported: { name: entry.name, path: entry.path, sha256: entry.sha256, format, columns },
        ...(annotation === undefined ? {} : { annotation }),
      };
      return { key: importedProductKey(withoutKey), ...withoutKey };
    });
}

/** The format a path's extension names; the schema's check makes sure there is one when `format` is not set. */
export function importFormatFromPath(path: string): ImportFormatName {
  const lower = path.toLowerCase();
  if (lower.endsWith('.tsv')) return 'tsv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return 'csv';
}

function productFor(config: SweepConfig, task: SweepConfig['tasks'][number], language: string, strategy: StrategyName, generator: GeneratorConfig, annotation: AnnotationSpec | undefined): GeneratedProductSpec {
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

/**
 * Study B's size axis: one cell per size and repeat (repeat r of seed s has seed s + r), its batch
 * size from the config's brackets; without selection.sizes the cell is returned as it was.
 */
function expandSizes(config: SweepConfig, cell: CellSpec): CellSpec[] {
  const { sizes, repeats = 1 } = config.selection;
  if (sizes === undefined) return [cell];
  const { batchSizeBySize, ...training } = config.training;
  const stem = cell.key.slice(0, cell.key.length - `.s${cell.seed}`.length);
  return sizes.flatMap((size) =>
    Array.from({ length: repeats }, (_, repeat): CellSpec => ({
      ...cell,
      key: `${stem}.n${size}.r${repeat}.s${cell.seed}`,
      seed: cell.seed + repeat,
      size,
      repeat,
      training: { ...training, batchSize: batchSizeForSize(size, batchSizeBySize ?? [], training.batchSize) },
    })),
  );
}

function goldCells(config: SweepConfig, task: string, language: string): CellSpec[] {
  if (!config.goldBaseline) return [];
  return config.seeds.flatMap((seed) =>
    expandSizes(config, {
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
    }),
  );
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
            cells.push(...expandSizes(config, {
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
            }));
          }
        }
      }
      for (const product of importedProductsFor(config, task.dataset, language, undefined)) {
        dataProducts.push(product);
        for (const seed of config.seeds) {
          cells.push({
            key: `${task.dataset}.${language}.${IMPORTED_STRATEGY}.${product.generatorName}.s${seed}`,
            kind: 'synthetic',
            task: task.dataset,
            language,
            strategy: IMPORTED_STRATEGY,
            generator: product.generatorName,
            seed,
            dataProductKey: product.key,
            perLabel: config.selection.perLabel,
            training: config.training,
          });
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
  const llmAnnotation = llmAnnotationSpec(config);
  const trainingSet = (role: TrainingSetSpec['role'], method: SelectionMethodName, labels: LabelKind): TrainingSetSpec => ({
    role,
    method,
    labels,
    synthetic: role !== 'SRC' && role !== 'SRC-TT',
    source: role === 'SRC' || role === 'SRC+GEN' || role === 'SRC-TT' || role === 'SRC+GEN-TT' || (role === 'method' && selection.withSource === true),
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
        ...(llmAnnotation === undefined ? {} : { llm: llmAnnotation }),
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
      // Study C: a cell with source and synthetic rows becomes one cell per regime (`….warmup.s1`).
      const withRegimes = (cell: CellSpec): CellSpec[] => {
        if (selection.regimes === undefined || cell.trainingSet?.source !== true || !cell.trainingSet.synthetic) return [cell];
        const stem = cell.key.slice(0, cell.key.length - `.s${cell.seed}`.length);
        return selection.regimes.map((regime) => ({ ...cell, key: `${stem}.${regime}.s${cell.seed}`, training: { ...cell.training, regime } }));
      };
      const productCells = (product: DataProductSpec, strategy: string, generatorName: string) => {
        const base = `${task.dataset}.${language}.${strategy}.${generatorName}`;
        for (const evaluation of evaluations) {
          for (const seed of config.seeds) {
            for (const method of methods) {
              for (const labels of labelKinds) {
                cells.push(...withRegimes(cellOf(seed, evaluation, { name: `${base}.${method}.${labels}`, strategy, generator: generatorName, product, set: trainingSet('method', method, labels) })));
              }
            }
            for (const baseline of baselines) {
              if (baseline === 'SRC') continue;
              cells.push(...withRegimes(cellOf(seed, evaluation, { name: `${base}.${baseline}`, strategy, generator: generatorName, product, set: trainingSet(baseline, 'rand', 'prompt') })));
            }
          }
        }
      };
      const sourceProducts: { product: DataProductSpec; strategy: string; generatorName: string }[] = [];
      for (const strategy of config.strategies) {
        for (const generator of config.generators) {
          const product = productFor(config, task, language, strategy, generator, annotation);
          dataProducts.push(product);
          productCells(product, strategy, generator.name);
          sourceProducts.push({ product, strategy, generatorName: generator.name });
        }
      }
      for (const product of importedProductsFor(config, task.dataset, language, annotation)) {
        dataProducts.push(product);
        productCells(product, IMPORTED_STRATEGY, product.generatorName);
        sourceProducts.push({ product, strategy: IMPORTED_STRATEGY, generatorName: product.generatorName });
      }
      if (baselines.includes('SRC')) {
        for (const evaluation of evaluations) {
          for (const seed of config.seeds) {
            cells.push(cellOf(seed, evaluation, { name: `${task.dataset}.${language}.SRC`, strategy: 'SRC', generator: 'gold', product: undefined, set: trainingSet('SRC', 'rand', 'prompt') }));
          }
        }
      }
      // Translate-train: after every other product and cell, so a config without `translate` plans exactly what it did before.
      const translated = planTranslateTrain(config, task, language, sourceProducts);
      dataProducts.push(...translated.products);
      for (const twin of translated.cells) {
        for (const seed of config.seeds) {
          const cell = cellOf(seed, twin.evaluation, { name: twin.name, strategy: twin.strategy, generator: twin.generator, product: twin.product, set: trainingSet(twin.role, 'rand', 'prompt') });
          cells.push(twin.translatedSourceKey === undefined ? cell : { ...cell, translatedSourceKey: twin.translatedSourceKey });
        }
      }
      cells.push(...goldCells(config, task.dataset, language));
    }
  }
  const labelSummaries = [...new Set(dataProducts.map(labelSummaryKey).filter((key): key is string => key !== undefined))];
  return { dataProducts, cells, teachers, labelSummaries };
}

/** A translate-train twin of a baseline, before its seeds. */
interface TranslateTrainCell {
  name: string;
  role: TranslateTrainRole;
  strategy: string;
  generator: string;
  /** The translated generations (GEN-TT, SRC+GEN-TT). */
  product: TranslatedProductSpec | undefined;
  translatedSourceKey: string | undefined;
  evaluation: EvaluationSpec;
}

/**
 * Translate-train for one task and source language: per target language, the translated source
 * split and the translated kept rows of each data product (only those some cell trains on), and
 * the translated twins of the configured baselines, scored in the target language.
 */
function planTranslateTrain(
  config: SweepConfig,
  task: SweepConfig['tasks'][number],
  sourceLanguage: string,
  sourceProducts: { product: DataProductSpec; strategy: string; generatorName: string }[],
): { products: TranslatedProductSpec[]; cells: TranslateTrainCell[] } {
  const settings = config.translate;
  if (settings === undefined) return { products: [], cells: [] };
  const translator = config.generators.find((generator) => generator.name === settings.translator);
  if (translator === undefined) throw new Error(`translate.translator "${settings.translator}" is not one of the generators`);
  if (settings.promptSha256 === undefined) throw new Error('translate has no promptSha256: plan a config only after the pre-flight read its prompt file');
  const baselines = config.baselines ?? [];
  const translatesSource = settings.inputs.includes('source');
  const translatesGenerations = settings.inputs.includes('generations');
  const testDataset = task.evaluation?.dataset ?? task.dataset;
  const products: TranslatedProductSpec[] = [];
  const cells: TranslateTrainCell[] = [];
  const productOf = (language: string, from: TranslationFrom): TranslatedProductSpec => {
    const withoutKey: Omit<TranslatedProductSpec, 'key'> = {
      kind: 'translate',
      task: task.dataset,
      language,
      sourceLanguage,
      strategy: TRANSLATED_STRATEGY,
      generatorName: translator.name,
      translator,
      translation: { prompt: settings.prompt, promptSha256: settings.promptSha256 as string, textsPerRequest: settings.textsPerRequest, sampling: settings.sampling },
      from,
      testDataset,
    };
    return { key: translatedProductKey(withoutKey), ...withoutKey };
  };
  for (const language of translateTargets(settings.languages, task)) {
    const evaluation: EvaluationSpec = { dataset: testDataset, language };
    let source: TranslatedProductSpec | undefined;
    if (translatesSource && (baselines.includes('SRC') || (translatesGenerations && baselines.includes('SRC+GEN')))) {
      source = productOf(language, { kind: 'source', split: 'train', perLabel: settings.sourcePerLabel, seed: settings.seed });
      products.push(source);
    }
    if (source !== undefined && baselines.includes('SRC')) {
      cells.push({ name: `${task.dataset}.${sourceLanguage}.SRC-TT.${translator.name}`, role: 'SRC-TT', strategy: 'SRC-TT', generator: translator.name, product: undefined, translatedSourceKey: source.key, evaluation });
    }
    if (!translatesGenerations || !(baselines.includes('GEN') || (source !== undefined && baselines.includes('SRC+GEN')))) continue;
    for (const { product, strategy, generatorName } of sourceProducts) {
      const generations = productOf(language, { kind: 'product', productKey: product.key });
      products.push(generations);
      const base = `${task.dataset}.${sourceLanguage}.${strategy}.${generatorName}`;
      if (baselines.includes('GEN')) cells.push({ name: `${base}.GEN-TT.${translator.name}`, role: 'GEN-TT', strategy, generator: generatorName, product: generations, translatedSourceKey: undefined, evaluation });
      if (source !== undefined && baselines.includes('SRC+GEN')) {
        cells.push({ name: `${base}.SRC+GEN-TT.${translator.name}`, role: 'SRC+GEN-TT', strategy, generator: generatorName, product: generations, translatedSourceKey: source.key, evaluation });
      }
    }
  }
  return { products, cells };
}

/** Study C's LLM annotation settings with each annotator's generator resolved; undefined without LLM annotators. */
export function llmAnnotationSpec(config: SweepConfig): LlmAnnotationSpec | undefined {
  const settings = config.annotation;
  if (settings?.llmAnnotators === undefined) return undefined;
  const annotators = settings.llmAnnotators.map((annotator): LlmAnnotatorSpec => {
    const generator = annotator.provider !== undefined ? { name: annotator.name, provider: annotator.provider } : config.generators.find((candidate) => candidate.name === annotator.generator);
    // The schema checks the name; this names the config's mistake if it was bypassed.
    if (generator === undefined) throw new Error(`LLM annotator ${annotator.name} names unknown generator "${annotator.generator ?? ''}"`);
    return { name: annotator.name, generator, prompt: annotator.prompt, maxTokens: annotator.maxTokens };
  });
  return {
    annotators,
    labelFrom: settings.labelFrom ?? (annotators[0] as LlmAnnotatorSpec).name,
    labelDistribution: settings.labelDistribution,
    calibrationPerLabel: settings.calibrationPerLabel,
    seed: settings.seed,
  };
}

/**
 * What a plan runs, counted for `sweep plan`: teachers, annotations (one per study D data product),
 * selections (one per study D cell) and student trainings (cells that differ only in evaluation
 * language share one).
 */
export function planCounts(plan: SweepPlan): { teachers: number; annotations: number; selections: number; studentTrainings: number; classifierCells: number } {
  const classifierCells = plan.cells.filter((cell) => cell.classifier !== undefined).length;
  const trained = plan.cells.filter((cell) => cell.classifier === undefined);
  const annotations = plan.dataProducts.filter((product) => product.annotation !== undefined).length;
  // Cells that differ only in evaluation language share their training set and their training run;
  // a translate-train cell's training set is in its evaluation language, so it shares with none.
  const translateTrain = (cell: CellSpec) => cell.trainingSet !== undefined && cell.trainingSet.role.endsWith('-TT');
  const trainingKey = (cell: CellSpec) => (cell.evaluation === undefined || translateTrain(cell) ? cell.key : cell.key.replace(`→${cell.evaluation.language}.`, '.'));
  const trainings = new Set(trained.map(trainingKey)).size;
  const selections = trained.filter((cell) => cell.trainingSet !== undefined).length;
  return { teachers: plan.teachers.length, annotations, selections, studentTrainings: trainings, classifierCells };
}
