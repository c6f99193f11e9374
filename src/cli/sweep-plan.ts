/**
 * `synthlab sweep plan`: the pre-flight (the same as `sweep start` runs), what the sweep would
 * run, and an estimate of the LLM requests and tokens it will take. Loads no Temporal client: it
 * needs no server.
 */
import { ESTIMATE_ASSUMPTIONS } from '../config/estimate';
import { planCounts, planSweep } from '../config/plan';
import { formatProblem, type ConfigProblem } from '../config/load';
import { checkedSweepConfig } from './checked-config';
import { estimateLines, estimatePlanUsage } from './sweep-estimate';

export async function sweepPlanCommand(configPath: string, options: { configOnly?: boolean } = {}): Promise<number> {
  let notReady: ConfigProblem[] = [];
  const loaded = await checkedSweepConfig(configPath, { machineChecks: options.configOnly !== true, onEnvironmentProblems: (problems) => (notReady = problems) });
  const plan = planSweep(loaded.config);
  const studyD = plan.cells.some((cell) => cell.trainingSet !== undefined);
  // Study D's counts are appended, so the fields a study A plan prints stay exactly as they were.
  const counts = planCounts(plan);
  const studyDFields = studyD ? ` teachers=${counts.teachers} annotations=${counts.annotations} selections=${counts.selections} student_trainings=${counts.studentTrainings}` : '';
  // Likewise study B's classifier cells (included in cells=), only when the config has classifiers.
  const classifierFields = counts.classifierCells > 0 ? ` classifier_cells=${counts.classifierCells}` : '';
  console.log(`plan: data_products=${plan.dataProducts.length} cells=${plan.cells.length} label_summaries=${plan.labelSummaries.length}${studyDFields}${classifierFields}`);
  if (options.configOnly) {
    console.log('checked the config only (--config-only): its data files, models, prompt files and environment variables were not; `sweep start` checks them');
    console.log('no estimate of requests and tokens: it renders the prompts from the data files, which --config-only does not read');
    return 0;
  }
  for (const line of estimateLines(await estimatePlanUsage(loaded, plan), ESTIMATE_ASSUMPTIONS)) console.log(line);
  if (notReady.length > 0) {
    const count = notReady.length === 1 ? '1 problem' : `${notReady.length} problems`;
    console.error(`not ready to start on this machine (${count} of its environment; \`sweep start\` refuses until they are fixed):\n${notReady.map((problem) => `  - ${formatProblem(problem)}`).join('\n')}`);
  }
  return 0;
}
