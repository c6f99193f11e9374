/**
 * `sweep plan`'s estimate of LLM requests and tokens: renders each data product's real prompts (its
 * template, language, labels and the seeded demos the generate stage will pick) and counts them
 * with the generator's tokenizer (src/llm/prompt-tokens.ts); src/config/estimate.ts does the sums.
 */
import { buildMessages } from '../activities/generate';
import { loadPromptTemplate, type LoadedTemplate } from '../activities/prompt-files';
import { templateMessages } from '../activities/prompt-messages';
import { estimateSweep, type ProductPromptSizes, type SweepEstimate } from '../config/estimate';
import type { LoadedSweepConfig } from '../config/load';
import { isGeneratedProduct, type DataProductSpec, type GeneratedProductSpec, type SweepPlan } from '../config/plan';
import { generationPromptFile } from '../config/strategies';
import type { DatasetSpec } from '../data/dataset-spec';
import { parseLabelDescriptions } from '../data/label-descriptions';
import { getLanguage } from '../data/languages';
import { readDataFile, readSplit, type Example } from '../data/readers';
import { resolveFromRepo } from '../infra/paths';
import { openPromptTokenCounter, type PromptTokenCounter } from '../llm/prompt-tokens';
import { sampleDemos } from '../stages/demos';
import { hashOf } from '../shared/hash';
import { groupedNumber } from '../shared/grouped-number';

export interface MeasuredEstimate extends SweepEstimate {
  /** Generators whose prompts were counted with an approximation (no tokenizer over an OpenAI-compatible API). */
  approximatedGenerators: string[];
}

/** Memoises async loads by key: a sweep of many products reads each split and template once. */
function memo<T>(): (key: string, load: () => Promise<T>) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key, load) => {
    let value = cache.get(key);
    if (!value) {
      value = load();
      cache.set(key, value);
    }
    return value;
  };
}

const mean = (values: readonly number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length);

export async function estimatePlanUsage(loaded: LoadedSweepConfig, plan: Pick<SweepPlan, 'dataProducts'>): Promise<MeasuredEstimate> {
  const { config, dataRoot, datasets } = loaded;
  const splits = memo<Example[]>();
  const templates = memo<LoadedTemplate>();
  const descriptionFiles = memo<Record<string, string>>();
  const counters = new Map<string, PromptTokenCounter>();
  const datasetOf = (product: DataProductSpec): DatasetSpec => {
    const dataset = datasets[product.task];
    if (!dataset) throw new Error(`the config has no dataset for task "${product.task}"`);
    return dataset;
  };
  const train = (dataset: DatasetSpec, language: string) =>
    splits(`${dataset.name}:${language}`, () => readSplit(dataset, { dataRoot, language, split: 'train' }));
  const template = (file: string) => templates(file, () => loadPromptTemplate(file));

  try {
    const sizes = new Map<string, ProductPromptSizes>();
    for (const product of plan.dataProducts.filter(isGeneratedProduct)) {
      const providerKey = hashOf(product.generator.provider);
      let counter = counters.get(providerKey);
      if (!counter) {
        counter = await openPromptTokenCounter(product.generator.provider);
        counters.set(providerKey, counter);
      }
      sizes.set(product.key, await measureProduct(product, datasetOf(product), counter, { train, template, descriptionFiles }));
    }
    const estimate = estimateSweep(plan, (product) => datasetOf(product).labels, (product) => {
      const measured = sizes.get(product.key);
      if (!measured) throw new Error(`no prompt sizes for ${product.key}`);
      return measured;
    });
    const approximatedGenerators = [
      ...new Set(plan.dataProducts.filter(isGeneratedProduct).filter((product) => !counters.get(hashOf(product.generator.provider))?.exact).map((product) => product.generator.name)),
    ];
    return { ...estimate, approximatedGenerators };
  } finally {
    for (const counter of counters.values()) await counter.close();
  }

  async function measureProduct(
    product: GeneratedProductSpec,
    dataset: DatasetSpec,
    counter: PromptTokenCounter,
    loaders: {
      train: (dataset: DatasetSpec, language: string) => Promise<Example[]>;
      template: (file: string) => Promise<LoadedTemplate>;
      descriptionFiles: (key: string, load: () => Promise<Record<string, string>>) => Promise<Record<string, string>>;
    },
  ): Promise<ProductPromptSizes> {
    const { generation } = product;
    const language = getLanguage(product.language);
    const demoSource = product.strategySettings.demos;
    const targetTrain = await loaders.train(dataset, product.language);
    const demoTrain = demoSource === 'english' ? await loaders.train(dataset, 'en') : targetTrain;
    const generationTemplate = await loaders.template(generationPromptFile(product.strategySettings, generation.prompts));
    const descriptions = await labelDescriptionsFor(product, dataset, loaders.descriptionFiles);
    const taskDescription = product.taskDescription ?? dataset.task;

    const generationPromptTokens: Record<string, number> = {};
    const sampleLengths: number[] = [];
    for (const label of dataset.labels) {
      const demoOptions = { label, count: generation.demosPerLabel, seed: generation.demoSeed, maxWords: generation.demoMaxWords };
      const demos = demoSource === 'none' ? [] : sampleDemos(demoTrain, demoOptions);
      const messages = buildMessages(
        generationTemplate,
        {
          languageName: language.name,
          script: language.script,
          taskDescription,
          labelKind: dataset.labelKind,
          label,
          labelDescription: descriptions.text[label] ?? '',
          count: generation.samplesPerRequest,
        },
        demos,
      );
      generationPromptTokens[label] = counter.countMessages(messages) + descriptions.extraTokens;
      // What the model writes is modelled on the label's real examples in the target language.
      for (const example of sampleDemos(targetTrain, { ...demoOptions, count: Math.max(generation.demosPerLabel, 10) })) sampleLengths.push(counter.countText(example.text));
    }

    let judgePromptTokens: number | undefined;
    if (product.revision) {
      const judgeTemplate = await loaders.template(product.revision.prompt);
      judgePromptTokens = mean(
        dataset.labels.map((label) =>
          counter.countMessages(
            templateMessages(judgeTemplate, {
              language: language.name,
              script: language.script,
              task: taskDescription,
              labelKind: dataset.labelKind,
              label,
              labelDescription: descriptions.text[label] ?? '',
              candidate: '',
            }),
          ) + descriptions.extraTokens,
        ),
      );
    }

    let summaryPromptTokens: Record<string, number> | undefined;
    const summarySettings = product.labelDescriptions;
    if (summarySettings?.source === 'llm') {
      const summaryTemplate = await loaders.template(summarySettings.prompt);
      const english = await loaders.train(dataset, 'en');
      summaryPromptTokens = Object.fromEntries(
        dataset.labels.map((label) => {
          const examples = sampleDemos(english, { label, count: summarySettings.examplesPerLabel, seed: summarySettings.seed, maxWords: 128 });
          const messages = templateMessages(summaryTemplate, { task: dataset.task, labelKind: dataset.labelKind, label, examples: examples.map((example) => example.text) });
          return [label, counter.countMessages(messages)];
        }),
      );
    }
    return { generationPromptTokens, sampleTokens: mean(sampleLengths), judgePromptTokens, summaryPromptTokens };
  }

  /**
   * The label descriptions the SL prompts will hold: a file's are read; an LLM's are not written yet,
   * so each prompt is counted without one plus the summary's maxTokens.
   */
  async function labelDescriptionsFor(
    product: DataProductSpec,
    dataset: DatasetSpec,
    descriptionFiles: (key: string, load: () => Promise<Record<string, string>>) => Promise<Record<string, string>>,
  ): Promise<{ text: Record<string, string>; extraTokens: number }> {
    const settings = product.labelDescriptions;
    if (!settings) return { text: {}, extraTokens: 0 };
    if (settings.source === 'llm') return { text: {}, extraTokens: settings.sampling.maxTokens };
    const path = resolveFromRepo(settings.path);
    const text = await descriptionFiles(`${path}:${dataset.name}`, async () => parseLabelDescriptions(await readDataFile(path), path, settings, dataset.labels));
    return { text, extraTokens: 0 };
  }
}

/** Data products listed one per line under the estimate's totals. */
const LISTED_PRODUCTS = 20;

/** `1234567` as `1,234,567`. */

/** The plan's estimate lines: the totals, expected and at most, and the assumptions in one line. */
export function estimateLines(estimate: MeasuredEstimate, assumptions: string): string[] {
  const { expected, atMost } = estimate.total;
  const lines = [
    `estimate: llm_requests=${expected.requests} prompt_tokens=${expected.promptTokens} completion_tokens=${expected.completionTokens} ` +
      `(at most: llm_requests=${atMost.requests} prompt_tokens=${atMost.promptTokens} completion_tokens=${atMost.completionTokens})`,
  ];
  for (const product of estimate.products.slice(0, LISTED_PRODUCTS)) {
    const stages = [product.generate, product.revise].filter((stage) => stage !== undefined);
    const requests = stages.reduce((sum, stage) => sum + stage.expected.requests, 0);
    const tokens = stages.reduce((sum, stage) => sum + stage.expected.promptTokens + stage.expected.completionTokens, 0);
    lines.push(`  ${product.key}: ~${requests} requests, ~${groupedNumber(tokens)} tokens`);
  }
  if (estimate.products.length > LISTED_PRODUCTS) lines.push(`  … and ${estimate.products.length - LISTED_PRODUCTS} more data products`);
  lines.push(`assumptions: ${assumptions}`);
  if (estimate.approximatedGenerators.length > 0) {
    lines.push(`tokens approximated as UTF-8 bytes / 3 for ${estimate.approximatedGenerators.join(', ')} (an OpenAI-compatible server has no tokenizer to ask)`);
  }
  return lines;
}
