/** The cost table as CSV (cost.csv of a report). Apart from costs.ts, which `sweep status` loads without the CSV writer. */
import type { GeneratorPrice } from '../artifacts/results';
import type { LlmUsage } from '../shared/usage';
import { priceOf, round3, scopeOf, sweepPrice, type SweepCosts } from './costs';
import { toCsv, type CsvValue } from './csv';

export const COST_CSV_HEADER = [
  'scope',
  'key',
  'generator',
  'stage',
  'device',
  'llm_requests',
  'prompt_tokens',
  'completion_tokens',
  'backend_seconds',
  'train_seconds',
  'predict_seconds',
  'price',
  'currency',
] as const;

/**
 * One row per LLM stage of each data product (and per shared label-summary set), per cell, per
 * generator, per device, and one for the sweep. `price` is blank where the generator has none.
 */
export function costCsv(costs: SweepCosts, prices: Readonly<Record<string, GeneratorPrice>>): string {
  const llmRow = (scope: string, key: string, generator: string, stage: string, usage: LlmUsage): CsvValue[] => {
    const priced = priceOf(usage, prices[generator]);
    return [scope, key, generator, stage, '', usage.requests, usage.promptTokens, usage.completionTokens, usage.backendSeconds, '', '', priced?.amount, priced?.currency];
  };
  const rows: CsvValue[][] = [
    ...costs.stages.map((stage) => llmRow(scopeOf(stage), stage.key, stage.generator, stage.stage, stage.usage)),
    ...costs.cells.map((cell): CsvValue[] => ['cell', cell.key, '', '', cell.device, '', '', '', '', cell.trainSeconds, cell.predictSeconds, '', '']),
    ...costs.generators.map((entry) => llmRow('generator', entry.generator, entry.generator, '', entry.usage)),
    ...costs.devices.map((device): CsvValue[] => ['device', device.device, '', '', device.device, '', '', '', '', device.trainSeconds, device.predictSeconds, '', '']),
  ];
  const total = sweepPrice(costs, prices);
  const trainSeconds = round3(costs.devices.reduce((sum, device) => sum + device.trainSeconds, 0));
  const predictSeconds = round3(costs.devices.reduce((sum, device) => sum + device.predictSeconds, 0));
  const { llm } = costs;
  rows.push(['sweep', '', '', '', '', llm.requests, llm.promptTokens, llm.completionTokens, llm.backendSeconds, trainSeconds, predictSeconds, total?.amount, total?.currency]);
  return toCsv(COST_CSV_HEADER, rows);
}

