/**
 * `synthlab sweep plan`: the pre-flight (the same as `sweep start` runs) and what the sweep would
 * run. Loads no Temporal client: it needs no server.
 */
import { planSweep } from '../config/plan';
import { checkedSweepConfig } from './checked-config';

export async function sweepPlanCommand(configPath: string, options: { configOnly?: boolean } = {}): Promise<number> {
  const loaded = await checkedSweepConfig(configPath, { machineChecks: options.configOnly !== true });
  const plan = planSweep(loaded.config);
  console.log(`plan: data_products=${plan.dataProducts.length} cells=${plan.cells.length} label_summaries=${plan.labelSummaries.length}`);
  if (options.configOnly) console.log('checked the config only (--config-only): its data files, models, prompt files and environment variables were not; `sweep start` checks them');
  return 0;
}
