/**
 * `synthlab demo`: brings the embedded stack up, runs the demo sweep to the end on the local
 * model and CPU training, prints the results table, the UI address and one summary line that
 * counts what this run did (LLM calls and trainings actually performed, not reused).
 */
import { artifactStoreFromEnvironment } from '../artifacts/location';
import { sweepRecordsOf } from '../artifacts/sweep-records';
import { connectClient } from '../infra/client';
import { artifactsDir, stateDir } from '../infra/paths';
import { encryptionMismatch, stackUp } from '../infra/stack';
import { workflowUiUrl } from '../infra/ui-links';
import { loadChanceReferences } from '../report/load-chance';
import { loadSweepResults } from '../report/load-sweep';
import { DEFAULT_NAMESPACE } from '../shared/constants';
import { formatSummaryTable, summarize } from '../report/summary-table';
import type { SweepProgress } from '../workflows/sweep';
import { checkedSweepConfig } from './checked-config';
import { formatProgress, startSweep } from './sweep';

const PROGRESS_INTERVAL_MS = 15_000;

export async function demoCommand(configPath: string): Promise<number> {
  const startedAt = Date.now();
  const loaded = await checkedSweepConfig(configPath);
  const stack = await stackUp(stateDir());
  console.log(`temporal ${stack.server.address}, worker pid ${stack.workerPid}, ui ${stack.server.uiUrl}`);
  const mismatch = encryptionMismatch(stack);
  if (mismatch) {
    console.error(`synthlab: ${mismatch}`);
    return 1;
  }
  const connected = await connectClient();
  try {
    const handle = await startSweep(connected.client, loaded);
    console.log(`sweep ${handle.workflowId} running; follow it at ${workflowUiUrl(stack.server.uiUrl, DEFAULT_NAMESPACE, handle.workflowId)}`);
    const ticker = setInterval(() => {
      handle
        .query<SweepProgress>('progress')
        .then((progress) => console.log(`[${Math.round((Date.now() - startedAt) / 1000)}s] ${formatProgress(progress)}`))
        .catch(() => undefined);
    }, PROGRESS_INTERVAL_MS);
    const summary = await handle.result().finally(() => clearInterval(ticker));
    const store = artifactStoreFromEnvironment(artifactsDir());
    const result = await loadSweepResults(sweepRecordsOf(store), handle.workflowId, summary.failed);

    console.log('');
    for (const product of result.dataProducts) {
      const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
      console.log(
        `data ${product.key}: requests=${total(product.counts.requested)} parsed=${total(product.counts.parsed)} unique=${total(product.counts.unique)} ` +
          `judge_rejected=${total(product.counts.rejectedByJudge)} duplicates_removed=${total(product.counts.removedAsDuplicates)} kept=${total(product.counts.kept)} shortfall=${total(product.counts.shortfall)}`,
      );
    }
    console.log('');
    console.log(formatSummaryTable(summarize(result.cells, await loadChanceReferences(store, result.cells))));
    for (const failure of result.failed) console.log(`FAILED ${failure.kind} ${failure.key}: ${failure.message}`);
    console.log('');
    console.log(`wall time ${Math.round((Date.now() - startedAt) / 1000)}s; artifacts under ${artifactsDir()}; stop the stack with \`npx synthlab down\``);
    console.log(`synthlab summary: cells=${summary.cells.completed} llm_calls=${summary.llmCalls} trainings=${summary.trainings} ui=${stack.server.uiUrl}`);
    return summary.failedTotal > 0 ? 1 : 0;
  } finally {
    await connected.close();
  }
}
