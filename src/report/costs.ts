/**
 * What a sweep cost, from its records: LLM requests, prompt and completion tokens and seconds
 * waiting on the backend per data product, stage and generator; training and prediction seconds
 * per cell and device; study B's LLM classifier cells (which train nothing) as a `classify` stage;
 * the price where the config gives one per generator. Label summaries are
 * shared by every product of one task and generator, so they are counted once per summary set.
 * Pure: the cost table's markdown (its CSV: cost-csv.ts), and the running totals `sweep status` prints.
 */
import type { GeneratorPrice } from '../artifacts/results';
import type { CellCostRecord, ProductCostRecord } from '../artifacts/sweep-cost-records';
import { compareText } from '../shared/compare';
import { addLlmUsage, type LlmUsage } from '../shared/usage';
import { groupedNumber } from '../shared/grouped-number';

export type LlmStage = 'summarize-labels' | 'generate' | 'revise' | 'translate' | 'classify';

export interface StageCost {
  /** The data product's key; for label summaries, `label-summaries:<artifact hash>` (shared by products); for study B's classify stage, the classifier cell's key. */
  key: string;
  generator: string;
  stage: LlmStage;
  usage: LlmUsage;
}

export interface DeviceCost {
  device: string;
  cells: number;
  trainSeconds: number;
  predictSeconds: number;
}

export interface SweepCosts {
  stages: StageCost[];
  /** Per generator, its stages summed. */
  generators: { generator: string; usage: LlmUsage }[];
  llm: LlmUsage;
  cells: { key: string; device: string; trainSeconds: number; predictSeconds: number }[];
  devices: DeviceCost[];
  /** Records written before usage or compute were counted: their costs are unknown, not zero. */
  productsWithoutUsage: number;
  /** LLM classifier cells recorded before their usage was counted. */
  classifiersWithoutUsage: number;
  /** Trained cells recorded before their training time was measured (classifier cells train nothing). */
  cellsWithoutCompute: number;
}

export interface PricedUsage {
  amount: number;
  currency: string;
}

/** What `usage` costs at `price` per 1,000 tokens; undefined without a price. */
export function priceOf(usage: Pick<LlmUsage, 'promptTokens' | 'completionTokens'>, price: GeneratorPrice | undefined): PricedUsage | undefined {
  if (!price) return undefined;
  const amount = (usage.promptTokens / 1000) * price.promptPer1kTokens + (usage.completionTokens / 1000) * price.completionPer1kTokens;
  return { amount: Math.round(amount * 1e6) / 1e6, currency: price.currency ?? '' };
}

export const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** Computed from the records' cost fields only (sweep-cost-records.ts), which the full records also have. */
export function sweepCosts(products: readonly ProductCostRecord[], cells: readonly CellCostRecord[]): SweepCosts {
  const stages: StageCost[] = [];
  const summaries = new Map<string, StageCost>();
  let productsWithoutUsage = 0;
  let classifiersWithoutUsage = 0;
  for (const product of [...products].sort((left, right) => compareText(left.key, right.key))) {
    const { usage } = product;
    if (!usage) {
      productsWithoutUsage += 1;
      continue;
    }
    const generator = product.generator ?? '';
    if (usage.summarizeLabels && product.labelDescriptions) {
      const key = `label-summaries:${product.labelDescriptions.sha256.slice(0, 12)}`;
      if (!summaries.has(key)) summaries.set(key, { key, generator, stage: 'summarize-labels', usage: addLlmUsage(usage.summarizeLabels) });
    }
    // A translated product generates nothing: its row is the translator's.
    if (usage.translate) stages.push({ key: product.key, generator, stage: 'translate', usage: addLlmUsage(usage.translate) });
    else stages.push({ key: product.key, generator, stage: 'generate', usage: addLlmUsage(usage.generate) });
    if (usage.revise) stages.push({ key: product.key, generator, stage: 'revise', usage: addLlmUsage(usage.revise) });
  }
  stages.push(...summaries.values());
  const classifierCells = [...cells].filter((cell) => cell.classifier !== undefined).sort((left, right) => compareText(left.key, right.key));
  for (const cell of classifierCells) {
    const usage = cell.classifier?.usage;
    if (usage) stages.push({ key: cell.key, generator: cell.generator, stage: 'classify', usage: addLlmUsage(usage) });
    else classifiersWithoutUsage += 1;
  }

  const byGenerator = new Map<string, LlmUsage>();
  for (const stage of stages) byGenerator.set(stage.generator, addLlmUsage(byGenerator.get(stage.generator), stage.usage));

  const cellRows: SweepCosts['cells'] = [];
  const byDevice = new Map<string, DeviceCost>();
  let cellsWithoutCompute = 0;
  for (const cell of [...cells].sort((left, right) => compareText(left.key, right.key))) {
    if (cell.classifier) continue;
    if (!cell.compute) {
      cellsWithoutCompute += 1;
      continue;
    }
    const { train, predict } = cell.compute;
    cellRows.push({ key: cell.key, device: train.device, trainSeconds: train.seconds, predictSeconds: predict.seconds });
    for (const [device, trainSeconds, predictSeconds] of [
      [train.device, train.seconds, 0],
      [predict.device, 0, predict.seconds],
    ] as const) {
      const entry = byDevice.get(device) ?? { device, cells: 0, trainSeconds: 0, predictSeconds: 0 };
      entry.trainSeconds = round3(entry.trainSeconds + trainSeconds);
      entry.predictSeconds = round3(entry.predictSeconds + predictSeconds);
      byDevice.set(device, entry);
    }
    const trainedOn = byDevice.get(train.device);
    if (trainedOn) trainedOn.cells += 1;
  }

  return {
    stages,
    generators: [...byGenerator].sort(([left], [right]) => compareText(left, right)).map(([generator, usage]) => ({ generator, usage })),
    llm: addLlmUsage(...stages.map((stage) => stage.usage)),
    cells: cellRows,
    devices: [...byDevice.values()].sort((left, right) => compareText(left.device, right.device)),
    productsWithoutUsage,
    classifiersWithoutUsage,
    cellsWithoutCompute,
  };
}

/** The sweep's price: the sum over generators with a price, when they all share one currency (undefined otherwise, or without prices). */
export function sweepPrice(costs: SweepCosts, prices: Readonly<Record<string, GeneratorPrice>>): PricedUsage | undefined {
  const priced = costs.generators.flatMap((entry) => priceOf(entry.usage, prices[entry.generator]) ?? []);
  if (priced.length === 0 || new Set(priced.map((entry) => entry.currency)).size > 1) return undefined;
  return { amount: Math.round(priced.reduce((sum, entry) => sum + entry.amount, 0) * 1e6) / 1e6, currency: priced[0]?.currency ?? '' };
}

/** The `scope` column of a stage's row in the cost table. */
export const scopeOf = (stage: StageCost) => (stage.stage === 'classify' ? 'classifier-cell' : stage.key.startsWith('label-summaries:') ? 'label-summaries' : 'data-product');
const seconds = (value: number) => (value >= 600 ? `${(value / 60).toFixed(1)} min` : `${value.toFixed(1)} s`);
const money = (priced: PricedUsage | undefined) => (priced ? `${priced.amount.toFixed(4)}${priced.currency ? ` ${priced.currency}` : ''}` : '–');

/** The LLM totals line, as `sweep status` and the cost table print it. */
export function llmTotalsLine(llm: LlmUsage): string {
  return `${llm.requests} LLM requests, ${groupedNumber(llm.promptTokens)} prompt + ${groupedNumber(llm.completionTokens)} completion tokens, ${seconds(llm.backendSeconds)} waiting on the backend`;
}

/** The device totals, e.g. `cpu: 4 cells, train 120.0 s, predict 8.2 s`. */
export function deviceLines(devices: readonly DeviceCost[]): string[] {
  return devices.map((device) => `${device.device}: ${device.cells} cells trained, train ${seconds(device.trainSeconds)}, predict ${seconds(device.predictSeconds)}`);
}

export interface EstimateComparison {
  expected: { requests: number; promptTokens: number; completionTokens: number };
  atMost: { requests: number; promptTokens: number; completionTokens: number };
  assumptions: string;
}

/** The cost table as markdown: the sweep's totals, per data product and stage, per generator, per device; the plan's estimate beside the actuals when given. */
export function costMarkdown(
  sweepId: string,
  costs: SweepCosts,
  prices: Readonly<Record<string, GeneratorPrice>>,
  estimate?: EstimateComparison,
): string {
  const lines = [`# ${sweepId}: what it cost`, '', `- LLM: ${llmTotalsLine(costs.llm)}; price ${money(sweepPrice(costs, prices))}`];
  for (const line of deviceLines(costs.devices)) lines.push(`- ${line}`);
  if (costs.productsWithoutUsage > 0) lines.push(`- ${costs.productsWithoutUsage} data products were recorded before usage was counted: not in these totals`);
  if (costs.classifiersWithoutUsage > 0) lines.push(`- ${costs.classifiersWithoutUsage} classifier cells were recorded before usage was counted: not in these totals`);
  if (costs.cellsWithoutCompute > 0) lines.push(`- ${costs.cellsWithoutCompute} cells were recorded before training time was measured: not in these totals`);
  lines.push('', 'Seconds waiting on the backend are summed over requests: with several in flight they exceed the elapsed time.');

  if (estimate) {
    // The plan estimates the data products' requests only: classifier cells are left out of the actuals too.
    const generation = addLlmUsage(...costs.stages.filter((stage) => stage.stage !== 'classify').map((stage) => stage.usage));
    const row = (name: string, key: 'requests' | 'promptTokens' | 'completionTokens') => {
      const actual = generation[key];
      const expected = estimate.expected[key];
      const ratio = expected > 0 ? (actual / expected).toFixed(2) : '–';
      return `| ${name} | ${groupedNumber(expected)} | ${groupedNumber(estimate.atMost[key])} | ${groupedNumber(actual)} | ${ratio} |`;
    };
    lines.push(
      '',
      '## Plan estimate and actual',
      '',
      '| | estimated | at most | actual | actual / estimated |',
      '|---|---:|---:|---:|---:|',
      row('LLM requests', 'requests'),
      row('prompt tokens', 'promptTokens'),
      row('completion tokens', 'completionTokens'),
      '',
      `Assumptions: ${estimate.assumptions}.`,
    );
  }

  lines.push('', '## Per data product and stage', '', '| data product (or classifier cell) | generator | stage | requests | prompt tokens | completion tokens | backend | price |', '|---|---|---|---:|---:|---:|---:|---:|');
  for (const stage of costs.stages) {
    const { usage } = stage;
    lines.push(
      `| ${stage.key} | ${stage.generator} | ${stage.stage} | ${usage.requests} | ${groupedNumber(usage.promptTokens)} | ${groupedNumber(usage.completionTokens)} | ${seconds(usage.backendSeconds)} | ${money(priceOf(usage, prices[stage.generator]))} |`,
    );
  }
  lines.push('', '## Per generator', '', '| generator | requests | prompt tokens | completion tokens | backend | price per 1k prompt / completion | price |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const { generator, usage } of costs.generators) {
    const price = prices[generator];
    const rate = price ? `${price.promptPer1kTokens} / ${price.completionPer1kTokens}${price.currency ? ` ${price.currency}` : ''}` : '–';
    lines.push(`| ${generator} | ${usage.requests} | ${groupedNumber(usage.promptTokens)} | ${groupedNumber(usage.completionTokens)} | ${seconds(usage.backendSeconds)} | ${rate} | ${money(priceOf(usage, price))} |`);
  }
  lines.push('', '## Per device', '', '| device | cells trained | training | prediction |', '|---|---:|---:|---:|');
  for (const device of costs.devices) lines.push(`| ${device.device} | ${device.cells} | ${seconds(device.trainSeconds)} | ${seconds(device.predictSeconds)} |`);
  return `${lines.join('\n')}\n`;
}
