/** `synthlab report <sweep> [--out DIR]`: writes a completed sweep's results folder. */
import { join, resolve } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { artifactStoreFromEnvironment } from '../artifacts/location';
import { sweepRecordsOf } from '../artifacts/sweep-records';
import { connectClient } from '../infra/client';
import { artifactsDir, repoRoot } from '../infra/paths';
import { ESTIMATE_ASSUMPTIONS } from '../config/estimate';
import { planSweep } from '../config/plan';
import type { EstimateComparison } from '../report/costs';
import { loadSweepResults } from '../report/load-sweep';
import { writeReport } from '../report/write-report';
import { safeFileSegment } from '../shared/file-names';
import { parseSweepReference } from '../shared/workflow-ids';
import type { sweepWorkflow } from '../workflows/sweep';
import { checkedSweepConfig } from './checked-config';
import { estimatePlanUsage } from './sweep-estimate';

/**
 * The plan's estimate for the config the sweep ran, to print beside what it took; undefined (with
 * the reason) when that config is gone or changed since.
 */
async function estimateOfRun(memo: Record<string, unknown> | undefined): Promise<{ estimate?: EstimateComparison; note?: string }> {
  const configPath = typeof memo?.configPath === 'string' ? memo.configPath : undefined;
  if (!configPath) return { note: 'the sweep recorded no config path' };
  try {
    const loaded = await checkedSweepConfig(configPath);
    if (loaded.configHash !== memo?.configHash) return { note: `${configPath} changed since the sweep started` };
    const estimate = await estimatePlanUsage(loaded, planSweep(loaded.config));
    return { estimate: { ...estimate.total, assumptions: ESTIMATE_ASSUMPTIONS } };
  } catch (error) {
    return { note: `${configPath} could not be read again (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
}

export async function reportCommand(reference: string, options: { out?: string }): Promise<number> {
  const { sweepId, name } = parseSweepReference(reference);
  const connected = await connectClient();
  try {
    const handle = connected.client.workflow.getHandle<typeof sweepWorkflow>(sweepId);
    let status: string;
    let memo: Record<string, unknown> | undefined;
    try {
      const description = await handle.describe();
      status = description.status.name;
      memo = description.memo;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        process.stderr.write(`synthlab: sweep ${sweepId} not found on ${connected.settings.address}\n`);
        return 1;
      }
      throw error;
    }
    if (status === 'RUNNING') {
      process.stderr.write(`synthlab: sweep ${name} is still running; see \`synthlab sweep status ${name}\`\n`);
      return 1;
    }
    if (status !== 'COMPLETED') {
      process.stderr.write(`synthlab: sweep ${sweepId} ended ${status}; there is no result to report\n`);
      return 1;
    }
    const summary = await handle.result();
    const store = artifactStoreFromEnvironment(artifactsDir());
    const result = await loadSweepResults(sweepRecordsOf(store), sweepId, summary.failed);
    const outDir = options.out ? resolve(options.out) : join(repoRoot, 'results', safeFileSegment(name));
    const { estimate, note } = await estimateOfRun(memo);
    const written = await writeReport({ result, outDir, store, estimate });
    console.log(
      `wrote ${written.files.length} files (${result.cells.length} runs, ${result.dataProducts.length} data products, ` +
        `${summary.failedTotal} failures, ${result.missingCells.length} planned cells without a result)`,
    );
    for (const missing of written.missingMetrics) console.log(`no confusion matrix for ${missing.key}: ${missing.message}`);
    for (const warning of written.warnings) console.log(`warning: ${warning.key}: ${warning.message}`);
    if (note) console.log(`cost.md has no plan estimate: ${note}`);
    console.log(`report: ${written.outDir}`);
    return 0;
  } finally {
    await connected.close();
  }
}
