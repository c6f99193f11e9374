/**
 * Workflows against a real Temporal dev server, with the real Python trainer on a tiny model.
 * The LLM is a scripted fake here (fast and exact to count); the real local model runs in the
 * end-to-end test.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError, WorkflowIdConflictPolicy } from '@temporalio/client';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDatasetSpec } from '../../src/data/registry';
import type { CompletionRequest } from '../../src/llm/types';
import { embeddedPaths } from '../../src/infra/embedded-paths';
import { TASK_QUEUES } from '../../src/shared/constants';
import { StageKey } from '../../src/shared/search-attributes';
import { cellWorkflowId, dataProductWorkflowId } from '../../src/shared/workflow-ids';
import { workflowBundle } from '../../src/workers/create-workers';
import { cellWorkflow } from '../../src/workflows/cell';
import { sweepWorkflow } from '../../src/workflows/sweep';
import { runSynthlab } from '../helpers/cli';
import { createScriptedModel } from '../helpers/scripted-model';
import { buildTinyModel, dataRoot, goldCell, type InProcessWorkers, recordedResults, startInProcessWorkers, sweepInput, testSweepConfig } from '../helpers/stack';
import { waitFor } from '../helpers/processes';
import { cliEnvFor, startTestTemporal, type TestTemporal } from '../helpers/temporal';

const { temporal: protos } = proto;
let temporal: TestTemporal;
let tinyModel: string;
let workers: InProcessWorkers;
const model = createScriptedModel(scriptedReply);

/** Generation requests get label-specific lines; judge requests get a verdict. */
function scriptedReply(request: CompletionRequest, index: number): string {
  const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
  if (user.includes('Start your reply with the single word Yes or No')) {
    return index % 5 === 0 ? 'No, this reads like a list. Yes would be wrong.' : 'Yes, it fits the topic.';
  }
  const label = /whose topic is "([^"]+)"/.exec(user)?.[1] ?? 'unknown';
  return [
    'Here are the texts:',
    ...Array.from({ length: 4 }, (_, line) => `${line + 1}. Mae'r testun ${label} hwn yn sôn am rif ${index * 10 + line} yng Nghymru.`),
  ].join('\n');
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);

/** What `temporal workflow describe` (the CLI binary users run) prints for a workflow. */
function describeWorkflow(workflowId: string): string {
  return execFileSync(embeddedPaths().temporal, ['workflow', 'describe', '--address', temporal.server.address, '--workflow-id', workflowId], { encoding: 'utf8' });
}

async function listWorkflowIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of temporal.client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids.sort();
}

beforeAll(async () => {
  temporal = await startTestTemporal();
  tinyModel = buildTinyModel(join(temporal.stateDir, 'tiny-model'));
  workers = await startInProcessWorkers(temporal, model);
});

afterAll(async () => {
  await workers?.stop();
  await temporal?.stop();
});

describe('sweep workflow', () => {
  it('runs a sweep, shares the data product between seeds, and re-runs without LLM calls or training', async () => {
    const config = testSweepConfig({ tinyModel, name: 'sharing', goldBaseline: false });
    const input = sweepInput(config);

    const firstRun = await temporal.client.workflow.start(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    const firstSummary = await firstRun.result();
    expect(firstSummary.failed).toEqual([]);
    expect(firstSummary.cells).toEqual({ total: 2, completed: 2, failed: 0, reused: 0 }); // 2 seeds of one TargetDemos+Revision product
    expect(firstSummary.dataProducts).toEqual({ total: 1, completed: 1, failed: 0 });
    expect(firstSummary.trainings).toBe(2);
    const first = await recordedResults(workers.store, firstSummary);
    expect(first.cells).toHaveLength(2);
    expect(first.dataProducts).toHaveLength(1);
    const generationRequests = model.requests.filter((request) => !request.messages.some((message) => message.content.includes('single word Yes or No')));
    const product = first.dataProducts[0]!;
    // Generated once for both seeds: 7 labels × 1 request (4 unique lines meet the quota of 4), then
    // a second round for the labels whose candidates the judge rejected, within the cap of 2 requests.
    expect(generationRequests).toHaveLength(total(product.counts.requested));
    expect(generationRequests.length).toBeGreaterThan(7);
    expect(product.rounds).toBe(2);
    for (const [label, requested] of Object.entries(product.counts.requested)) {
      expect(requested).toBeLessThanOrEqual(2);
      expect((product.counts.kept[label] ?? 0) + (product.counts.shortfall[label] ?? 0), label).toBe(4);
    }
    expect(firstSummary.llmCalls).toBe(model.requests.length);
    expect(total(product.counts.rejectedByJudge)).toBeGreaterThan(0);
    for (const cell of first.cells) {
      expect(cell.macroF1).toBeGreaterThanOrEqual(0);
      expect(cell.macroF1).toBeLessThanOrEqual(1);
      expect(cell.trainSize).toBeGreaterThan(0);
    }

    // The cells are findable by their search attributes, as in the UI.
    const listed: string[] = [];
    for await (const execution of temporal.client.workflow.list({ query: `SweepId = '${input.sweepId}' AND Language = 'cy' AND WorkflowType = 'cellWorkflow'` })) {
      listed.push(execution.workflowId);
    }
    expect(listed.sort()).toEqual(first.cells.map((cell) => cellWorkflowId(input.sweepId, cell.key)).sort());

    // A cell's workflow result carries its metrics and its summary line (counts and metrics, never rows).
    for (const cell of first.cells) {
      const handle = temporal.client.workflow.getHandle<typeof cellWorkflow>(`${input.sweepId}/cell/${cell.key}`);
      const summary = `sib200 · cy · TargetDemos+Revision · scripted · seed ${cell.seed} → macro-F1 ${(cell.macroF1 * 100).toFixed(1)}`;
      expect(await handle.result()).toEqual({
        key: cell.key,
        trainings: 1,
        macroF1: cell.macroF1,
        accuracy: cell.accuracy,
        trainSize: cell.trainSize,
        labelSource: 'prompt',
        summary,
      });
      // The UI's current details (a query the worker answers, for finished workflows too).
      expect((await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails).toBe(summary);
      // `temporal workflow describe` prints the static summary the sweep set and the result with the final line.
      const described = describeWorkflow(handle.workflowId);
      expect(described).toMatch(new RegExp(`StaticSummary\\s+"sib200 · cy · TargetDemos\\+Revision · scripted · seed ${cell.seed}"`));
      expect(described).toContain(summary);
    }
    const productLine = `sib200 · cy · TargetDemos+Revision · scripted → kept ${total(product.counts.kept)}, rejected ${total(product.counts.rejectedByJudge)}`;
    expect(describeWorkflow(`${input.sweepId}/data/${product.key}`)).toContain(productLine);
    expect(firstSummary.summary).toBe('sharing → cells 2/2 completed, 0 failed · data products 1/1 · 1 run');
    expect(describeWorkflow(input.sweepId)).toContain(firstSummary.summary);

    // MacroF1 is a search attribute of every completed cell: a threshold lists the good ones.
    const cellsWhere = (condition: string) => listWorkflowIds(`SweepId = '${input.sweepId}' AND WorkflowType = 'cellWorkflow' AND ${condition}`);
    const cellIds = first.cells.map((cell) => `${input.sweepId}/cell/${cell.key}`).sort();
    // Visibility is updated after the cell's last upsert, asynchronously.
    const listedByMetric = await waitFor(
      async () => {
        const ids = await cellsWhere('MacroF1 > -1');
        return ids.length >= cellIds.length ? ids : undefined;
      },
      10_000,
      'the completed cells to be listed by MacroF1',
    );
    expect(listedByMetric).toEqual(cellIds);
    expect(await cellsWhere('MacroF1 > 1')).toEqual([]);
    const [worse, better] = [...first.cells].sort((left, right) => left.macroF1 - right.macroF1);
    if (worse!.macroF1 < better!.macroF1) {
      // Seeds that scored differently: a threshold between them lists only the better cell.
      expect(await cellsWhere(`MacroF1 > ${(worse!.macroF1 + better!.macroF1) / 2}`)).toEqual([`${input.sweepId}/cell/${better!.key}`]);
    }

    // Starting the finished sweep again reuses every recorded cell: no child, no LLM call, no training.
    const callsBefore = model.requests.length;
    const second = await temporal.client.workflow.execute(sweepWorkflow, { workflowId: input.sweepId, taskQueue: TASK_QUEUES.cpu, args: [input] });
    expect(second.llmCalls).toBe(0);
    expect(second.trainings).toBe(0);
    expect(second.cells).toEqual({ total: 2, completed: 2, failed: 0, reused: 2 });
    expect(model.requests.length).toBe(callsBefore);
    const again = await recordedResults(workers.store, second);
    expect(again.cells.map((cell) => cell.macroF1).sort()).toEqual(first.cells.map((cell) => cell.macroF1).sort());

    // Replay: the recorded history of a cell re-executes deterministically with today's code.
    const cellId = cellWorkflowId(input.sweepId, first.cells[0]!.key);
    const history = await temporal.client.workflow.getHandle(cellId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, cellId);
    if (process.env.SYNTHLAB_RECORD_FIXTURES === '1') {
      const writeFixture = (name: string, recorded: proto.temporal.api.history.v1.IHistory) =>
        writeFile(join(import.meta.dirname, '..', 'fixtures', name), protos.api.history.v1.History.encode(recorded).finish());
      await writeFixture('cell-history.pb', history);
      await writeFixture('data-product-history.pb', await temporal.client.workflow.getHandle(`${input.sweepId}/data/${product.key}`).fetchHistory());
      // The first run: the one that started the children (the second only reused the records).
      await writeFixture('sweep-history.pb', await temporal.client.workflow.getHandle(input.sweepId, firstRun.firstExecutionRunId).fetchHistory());
    }
  }, 400_000);

  it('fails a cell on bad data with a typed, non-retryable error naming the problem', async () => {
    const config = testSweepConfig({ tinyModel, name: 'bad-data' });
    const cell = goldCell('sentiment', 'cy', { seed: 1, perLabel: 3, training: config.training });
    const error = await temporal.client.workflow
      .execute(cellWorkflow, {
        workflowId: 'bad-data-cell',
        taskQueue: TASK_QUEUES.cpu,
        args: [{ sweepId: 'sweep/bad-data', dataRoot, cell, dataset: getDatasetSpec('sentiment'), source: undefined }],
      })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    // Selection runs as a local activity: its failure may arrive bare or wrapped in an ActivityFailure.
    const cause = (error as WorkflowFailedError).cause;
    const root = cause instanceof ActivityFailure ? cause.cause : cause;
    expect(root).toBeInstanceOf(ApplicationFailure);
    expect((root as ApplicationFailure).type).toBe('DataError');
    expect((root as ApplicationFailure).nonRetryable).toBe(true);
    expect((root as ApplicationFailure).message).toMatch(/cy/);
  });

  it('finishes a sweep with a summary of failed cells when only some cells fail', async () => {
    // Welsh has SIB-200 data but no sentiment data: the sentiment product and its cells fail, the rest completes.
    const config = testSweepConfig({
      tinyModel,
      name: 'partial',
      tasks: [{ dataset: 'sib200' }, { dataset: 'sentiment' }],
      strategies: ['TargetDemos'],
      seeds: [1],
      goldBaseline: false,
    });
    // Starting the same sweep twice attaches to the run in progress instead of running anything twice.
    const start = () =>
      temporal.client.workflow.start(sweepWorkflow, {
        workflowId: 'sweep/partial',
        taskQueue: TASK_QUEUES.cpu,
        args: [sweepInput(config)],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
    const first = await start();
    const second = await start();
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    const summary = await first.result();
    expect(summary.cells).toMatchObject({ total: 2, completed: 1, failed: 1 });
    expect(summary.failedTotal).toBe(2);
    const result = await recordedResults(workers.store, summary);
    expect(result.cells.map((cell) => cell.task)).toEqual(['sib200']);
    expect(summary.failed.map((item) => `${item.kind}:${item.key.split('.')[0]}`).sort()).toEqual(['cell:sentiment', 'data-product:sentiment']);
    expect(summary.failed.find((item) => item.kind === 'data-product')?.message).toMatch(/sentiment|cy/);
    // The UI can filter data products by status: the failed one says so, the completed one too.
    const statusOf = async (task: string) => {
      const products = temporal.client.workflow.list({ query: `SweepId = 'sweep/partial' AND WorkflowType = 'dataProductWorkflow' AND Task = '${task}'` });
      for await (const product of products) return product.searchAttributes.CellStatus;
      return undefined;
    };
    await waitFor(async () => ((await statusOf('sentiment'))?.[0] === 'failed' ? true : undefined), 30_000, 'the failed data product to show CellStatus failed');
    expect(await statusOf('sib200')).toEqual(['completed']);

    // `synthlab sweep status` (over temporal-wire/, not the SDK) reads the same result and stages as the SDK does.
    const status = runSynthlab(['sweep', 'status', 'partial'], { env: cliEnvFor(temporal) });
    expect(status.stderr).toBe('');
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/^sweep\/partial: COMPLETED, \d+ s$/m);
    expect(status.stdout).toMatch(/^cells {9}\[#{15}x{15}\] 1\/2 done, 0 running, 1 failed, 0 pending$/m);
    expect(status.stdout).toMatch(/^runs: 1, cells reused from earlier runs: 0, llm calls: \d+, trainings: 1$/m);
    const stages = new Map<string, string | undefined>();
    for await (const execution of temporal.client.workflow.list({ query: "SweepId = 'sweep/partial' AND ExecutionStatus = 'Failed'" })) {
      stages.set(execution.workflowId, execution.typedSearchAttributes.get(StageKey));
    }
    expect([...stages.values()].filter(Boolean).length).toBeGreaterThan(0);
    for (const failure of summary.failed) {
      const stage = stages.get(failure.kind === 'cell' ? cellWorkflowId('sweep/partial', failure.key) : dataProductWorkflowId('sweep/partial', failure.key));
      expect(status.stdout).toContain(`  failed ${failure.kind} ${failure.key}${stage ? ` at stage ${stage}` : ''}: ${failure.message}`);
    }
    expect(status.stdout).toContain('resume with `synthlab sweep resume partial`');
  });
});
