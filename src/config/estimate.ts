/**
 * What a sweep's LLM stages will ask of their generators, estimated before anything runs: requests,
 * prompt and completion tokens per data product and in all, expected and at most. Pure: the prompt
 * sizes are measured by the caller (src/cli/sweep-estimate.ts renders the real prompts with the
 * real demos and counts their tokens). `ESTIMATE_ASSUMPTIONS` says in one line what the expected
 * figures take for granted.
 */
import { isGeneratedProduct, labelSummaryKey, type GeneratedProductSpec, type SweepPlan } from './plan';

/** Token sizes of one data product's prompts, measured with its generator's tokenizer (or its approximation). */
export interface ProductPromptSizes {
  /** Tokens of the generation prompt (every chat message, template included), per label. */
  generationPromptTokens: Record<string, number>;
  /** Tokens of one sample as the model is expected to write it: the mean of the label's real examples. */
  sampleTokens: number;
  /** Tokens of the judge prompt around an empty candidate (strategies that revise). */
  judgePromptTokens?: number | undefined;
  /** Tokens of the label-summary prompt, per label (LLM-written label descriptions). */
  summaryPromptTokens?: Record<string, number> | undefined;
}

export interface UsageEstimate {
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

export interface StageEstimate {
  expected: UsageEstimate;
  atMost: UsageEstimate;
}

export interface ProductEstimate {
  key: string;
  generator: string;
  generate: StageEstimate;
  revise: StageEstimate | undefined;
  /** The label summaries it uses: shared by the products of one task and generator (see `labelSummaryKey`). */
  summarizeLabels: { key: string; estimate: StageEstimate } | undefined;
}

export interface SweepEstimate {
  products: ProductEstimate[];
  /** Every stage of every product, label summaries counted once per summary set. */
  total: StageEstimate;
}

/** Tokens a generated line costs beyond its text: the line break, and the odd numbering the parser strips. */
export const LINE_OVERHEAD_TOKENS = 2;

export const ESTIMATE_ASSUMPTIONS =
  'expected: every sample a request asks for is parsed, unique and kept (so a label needs ceil(samplesPerLabel / samplesPerRequest) requests, ' +
  'and revision judges samplesPerLabel candidates), a sample is as long as the label\'s real examples plus ' +
  `${LINE_OVERHEAD_TOKENS} tokens, a judge or summary reply uses its maxTokens; at most: every label uses maxRequestsPerLabel, every reply its maxTokens, ` +
  'and each reply gives at most samplesPerRequest candidates';

const NONE: UsageEstimate = { requests: 0, promptTokens: 0, completionTokens: 0 };

export function addEstimates(...estimates: readonly UsageEstimate[]): UsageEstimate {
  return estimates.reduce(
    (sum, estimate) => ({
      requests: sum.requests + estimate.requests,
      promptTokens: sum.promptTokens + estimate.promptTokens,
      completionTokens: sum.completionTokens + estimate.completionTokens,
    }),
    NONE,
  );
}

function addStages(stages: readonly (StageEstimate | undefined)[]): StageEstimate {
  const present = stages.filter((stage): stage is StageEstimate => stage !== undefined);
  return { expected: addEstimates(...present.map((stage) => stage.expected)), atMost: addEstimates(...present.map((stage) => stage.atMost)) };
}

function tokensOf(sizes: Record<string, number> | undefined, label: string, what: string): number {
  const tokens = sizes?.[label];
  if (tokens === undefined) throw new Error(`no ${what} size was measured for label "${label}"`);
  return tokens;
}

export function estimateDataProduct(product: GeneratedProductSpec, labels: readonly string[], sizes: ProductPromptSizes): ProductEstimate {
  const { generation } = product;
  const expectedRequestsPerLabel = Math.min(generation.maxRequestsPerLabel, Math.ceil(generation.samplesPerLabel / generation.samplesPerRequest));
  // Sizes are means over examples: whole tokens per request.
  const expectedCompletion = Math.min(generation.sampling.maxTokens, Math.ceil(generation.samplesPerRequest * (sizes.sampleTokens + LINE_OVERHEAD_TOKENS)));
  const perLabel = labels.map((label) => {
    const prompt = tokensOf(sizes.generationPromptTokens, label, 'generation prompt');
    return {
      expected: { requests: expectedRequestsPerLabel, promptTokens: expectedRequestsPerLabel * prompt, completionTokens: expectedRequestsPerLabel * expectedCompletion },
      atMost: {
        requests: generation.maxRequestsPerLabel,
        promptTokens: generation.maxRequestsPerLabel * prompt,
        completionTokens: generation.maxRequestsPerLabel * generation.sampling.maxTokens,
      },
    };
  });
  const generate = addStages(perLabel);

  let revise: StageEstimate | undefined;
  if (product.revision) {
    if (sizes.judgePromptTokens === undefined) throw new Error(`no judge prompt size was measured for ${product.key}`);
    const judgeReply = product.revision.sampling.maxTokens;
    const judgePrompt = Math.ceil(sizes.judgePromptTokens + sizes.sampleTokens);
    const judged = (candidates: number): UsageEstimate => ({ requests: candidates, promptTokens: candidates * judgePrompt, completionTokens: candidates * judgeReply });
    revise = {
      expected: judged(generation.samplesPerLabel * labels.length),
      atMost: judged(generation.maxRequestsPerLabel * generation.samplesPerRequest * labels.length),
    };
  }

  let summarizeLabels: ProductEstimate['summarizeLabels'];
  const summaryKey = labelSummaryKey(product);
  if (summaryKey !== undefined && product.labelDescriptions?.source === 'llm') {
    const reply = product.labelDescriptions.sampling.maxTokens;
    const usage = addEstimates(...labels.map((label) => ({ requests: 1, promptTokens: tokensOf(sizes.summaryPromptTokens, label, 'label-summary prompt'), completionTokens: reply })));
    summarizeLabels = { key: summaryKey, estimate: { expected: usage, atMost: usage } };
  }
  return { key: product.key, generator: product.generator.name, generate, revise, summarizeLabels };
}

/** Every data product of the plan; `sizesOf` gives each one's measured prompt sizes and `labelsOf` its task's labels. */
export function estimateSweep(
  plan: Pick<SweepPlan, 'dataProducts'>,
  labelsOf: (product: GeneratedProductSpec) => readonly string[],
  sizesOf: (product: GeneratedProductSpec) => ProductPromptSizes,
): SweepEstimate {
  // Imported products ask no LLM.
  const products = plan.dataProducts.filter(isGeneratedProduct).map((product) => estimateDataProduct(product, labelsOf(product), sizesOf(product)));
  const summaries = new Map<string, StageEstimate>();
  for (const product of products) if (product.summarizeLabels) summaries.set(product.summarizeLabels.key, product.summarizeLabels.estimate);
  const total = addStages([...products.flatMap((product) => [product.generate, product.revise]), ...summaries.values()]);
  return { products, total };
}
