/**
 * The sweep: expands the config grid, runs each shared data product once as a child workflow and
 * each cell as a child once its data exists, within bounded windows. A failed cell fails alone;
 * the sweep finishes with a summary of what failed.
 *
 * Results live in the sweep records (written by the children), not in this history: children
 * return only counts, metrics and a summary line. Before the history grows large (`orchestration`
 * limits in the config) the sweep stops starting children, lets the running ones finish, and
 * continues as new, carrying which cells are finished as a bit set.
 * A fresh start (a resume) first asks `openSweep` which cells earlier runs already finished.
 * Orchestration only: deterministic, no I/O.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  continueAsNew,
  defineQuery,
  executeChild,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ArtifactRef } from '../artifacts/ref';
import type { DataProductOutcome, FailedItem, TeacherOutcome } from '../artifacts/results';
import { planSweep, productGeneratorName, type CellSpec, type DataProductSpec, type TeacherSpec } from '../config/plan';
import type { SweepConfig } from '../config/schema';
import type { DatasetSpec } from '../data/dataset-spec';
import { BitSet } from '../shared/bitset';
import { DRAIN_PER_CHILD, TASK_QUEUES } from '../shared/constants';
import { searchAttributesFor } from '../shared/search-attributes';
import { cellWorkflowId, dataProductWorkflowId, teacherWorkflowId } from '../shared/workflow-ids';
import { cellTitle, dataProductTitle, sweepProgressLine, sweepSummary } from '../shared/summaries';
import { cellWorkflow } from './cell';
import { dataProductWorkflow } from './data-product';
import { teacherWorkflow } from './teacher';
import { recordActivities } from './policies';
import { rollOverThreshold } from './history-budget';
import { createWindow, type Window } from './window';

/** The sweep result lists this many failures; the count covers all of them. */
export const MAX_LISTED_FAILURES = 200;

const MAX_MESSAGE_CHARS = 1_000;

const OWN_HISTORY_LIMITS_PATCH = 'sweep-own-history-limits';

/**
 * From this marker on, a run stops starting children early enough that the drain of its full
 * windows still ends within `continueAsNewAfterEvents` and `continueAsNewAfterBytes` (before it,
 * the drain came on top: 10,252 events measured at a limit of 10,000, past Temporal's warning at
 * 10,240).
 */
const DRAIN_WITHIN_LIMITS_PATCH = 'sweep-drain-within-limits';

/** What one run of the sweep hands to the next through continue-as-new. */
export interface SweepCarry {
  /** Runs of this sweep execution before the current one. */
  runs: number;
  /** Plan indices of cells that completed or failed (hex bit set). */
  finishedCells: string;
  completedCells: number;
  failedCells: number;
  /** Cells finished by an earlier execution (found in the records), not run again. */
  reusedCells: number;
  /** Finished data products still needed by unfinished cells (failed ones are all kept). */
  products: Record<string, DataProductOutcome>;
  completedProducts: number;
  failedProducts: Record<string, string>;
  failed: FailedItem[];
  failedTotal: number;
  llmCalls: number;
  trainings: number;
  /** Study D (absent in older carries and study A sweeps): finished teachers still needed, failed ones, and counts. */
  teachers?: Record<string, TeacherOutcome>;
  failedTeachers?: Record<string, string>;
  teacherTrainings?: number;
  teacherInferences?: number;
}

export interface SweepInput {
  sweepId: string;
  config: SweepConfig;
  configHash: string;
  dataRoot: string;
  /** Resolved dataset spec per task (config-defined or built in). */
  datasets: Record<string, DatasetSpec>;
  /** Set only by continue-as-new. */
  carry?: SweepCarry;
}

export interface StageProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
}

export interface SweepProgress {
  dataProducts: StageProgress;
  cells: StageProgress;
  /** 1 for the first run; +1 per continue-as-new. */
  run: number;
}

export interface SweepResult {
  sweepId: string;
  configHash: string;
  dataProducts: { total: number; completed: number; failed: number };
  cells: { total: number; completed: number; failed: number; reused: number };
  /** The first MAX_LISTED_FAILURES failures; `failedTotal` counts all. */
  failed: FailedItem[];
  failedTotal: number;
  llmCalls: number;
  trainings: number;
  /** Study D: teachers planned, trained by this execution, and teacher passes over data products this execution ran. */
  teachers?: { total: number; completed: number; failed: number; trainings: number; inferences: number };
  /** Runs this execution took (continue-as-new count + 1). */
  runs: number;
  /** One readable line, e.g. `demo → cells 6/6 completed, 0 failed · data products 2/2 · 1 run`. */
  summary: string;
}

export const progressQuery = defineQuery<SweepProgress>('progress');

/** The data products a cell trains on: its product, and its translated source (translate-train). */
function productKeysOf(cell: CellSpec): string[] {
  return [cell.dataProductKey, cell.translatedSourceKey].filter((key): key is string => key !== undefined);
}

/** `needed` plus the products that unfinished translated products among them translate. */
function withTranslatedFrom(products: readonly DataProductSpec[], needed: Set<string>, isFinished: (key: string) => boolean): Set<string> {
  for (const product of products) {
    if (product.kind === 'translate' && product.from.kind === 'product' && needed.has(product.key) && !isFinished(product.key)) needed.add(product.from.productKey);
  }
  return needed;
}

function failureMessage(error: unknown): string {
  let current: unknown = error;
  // The root cause says what to fix; the wrappers only say where it happened.
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

async function openCarry(input: SweepInput): Promise<SweepCarry> {
  const opened = await recordActivities.openSweep({ sweepId: input.sweepId, configHash: input.configHash, config: input.config });
  const products = opened.products;
  return {
    runs: 0,
    finishedCells: opened.finishedCells,
    completedCells: opened.finishedCount,
    failedCells: 0,
    reusedCells: opened.finishedCount,
    products,
    completedProducts: Object.keys(products).length,
    failedProducts: {},
    failed: [],
    failedTotal: 0,
    llmCalls: 0,
    trainings: 0,
    ...(opened.teachers === undefined ? {} : { teachers: opened.teachers }),
  };
}

export async function sweepWorkflow(input: SweepInput): Promise<SweepResult> {
  const { sweepId, config, dataRoot, datasets } = input;
  const datasetOf = (task: string): DatasetSpec => {
    const dataset = datasets[task];
    if (!dataset) throw ApplicationFailure.create({ type: 'ConfigError', message: `no dataset spec for task ${task}`, nonRetryable: true });
    return dataset;
  };
  const plan = planSweep(config);
  const productWindow = createWindow(config.concurrency.dataProducts);
  const cellWindow = createWindow(config.concurrency.cells);

  // Answer progress queries while openSweep runs, too.
  let state: SweepCarry | undefined = input.carry;
  const progress = (): SweepProgress => ({
    dataProducts: {
      total: plan.dataProducts.length,
      done: state?.completedProducts ?? 0,
      running: productWindow.running,
      failed: Object.keys(state?.failedProducts ?? {}).length,
    },
    cells: { total: plan.cells.length, done: state?.completedCells ?? 0, running: cellWindow.running, failed: state?.failedCells ?? 0 },
    run: (state?.runs ?? 0) + 1,
  });
  setHandler(progressQuery, progress);
  // The UI's current details: the progress line, renewed whenever a child starts or ends (no command, no history).
  const showProgress = () => setCurrentDetails(sweepProgressLine(progress()));
  showProgress();
  state ??= await openCarry(input);
  showProgress();
  const finished = new BitSet(plan.cells.length, state.finishedCells);
  const carry = state;

  const recordFailure = (item: FailedItem) => {
    carry.failedTotal += 1;
    if (carry.failed.length < MAX_LISTED_FAILURES) carry.failed.push(item);
    showProgress();
  };

  let rollingOver = false;
  const { continueAsNewAfterEvents, continueAsNewAfterBytes } = config.orchestration;
  const rollOverDue = (): boolean => {
    if (!rollingOver) {
      const info = workflowInfo();
      // The server suggests continuing as new at 4,096 events, well below these limits; each run
      // ends with a drain that idles the window, so fewer, longer runs finish the sweep sooner.
      // Histories recorded before the sweep had its own limits keep following the suggestion.
      const ownLimits = patched(OWN_HISTORY_LIMITS_PATCH);
      const drainingChildren = patched(DRAIN_WITHIN_LIMITS_PATCH) ? config.concurrency.cells + config.concurrency.dataProducts : 0;
      rollingOver =
        info.historyLength >= rollOverThreshold(continueAsNewAfterEvents, drainingChildren, DRAIN_PER_CHILD.events) ||
        (ownLimits ? info.historySize >= rollOverThreshold(continueAsNewAfterBytes, drainingChildren, DRAIN_PER_CHILD.bytes) : info.continueAsNewSuggested);
    }
    return rollingOver;
  };

  /** Runs a child in its window; the progress line is renewed when it starts and once its slot is free. */
  const runInWindow = async <T>(window: Window, work: () => Promise<T>): Promise<T> => {
    try {
      return await window.run(() => {
        showProgress();
        return work();
      });
    } finally {
      showProgress();
    }
  };

  const unfinished = plan.cells.map((_, index) => index).filter((index) => !finished.has(index));
  const neededProducts = withTranslatedFrom(
    plan.dataProducts,
    new Set(unfinished.flatMap((index) => productKeysOf(plan.cells[index] as CellSpec))),
    (key) => carry.products[key] !== undefined,
  );

  // Study D: teachers run first, in the data products' window; a product that needs one waits for
  // it outside the window (so products waiting never hold the slots their teachers need).
  type TeacherState = TeacherOutcome | { failed: string } | 'deferred';
  const teacherSpecs = new Map(plan.teachers.map((teacher) => [teacher.key, teacher]));
  const teacherStates = new Map<string, Promise<TeacherState>>();
  const runTeacher = (teacher: TeacherSpec): Promise<TeacherState> =>
    runInWindow(productWindow, async () => {
      if (rollOverDue()) return 'deferred';
      try {
        const outcome = await executeChild(teacherWorkflow, {
          workflowId: teacherWorkflowId(sweepId, teacher.key),
          taskQueue: TASK_QUEUES.cpu,
          args: [{ sweepId, dataRoot, dataset: datasetOf(teacher.task), teacher }],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          typedSearchAttributes: searchAttributesFor({ sweepId, task: teacher.task, language: teacher.language, strategy: 'teacher', generator: 'teacher' }, 'select'),
          staticSummary: `${teacher.task} · ${teacher.language} · teacher`,
          staticDetails: `teacher \`${teacher.key}\` of ${sweepId}`,
        });
        carry.teachers = { ...(carry.teachers ?? {}), [teacher.key]: outcome };
        carry.teacherTrainings = (carry.teacherTrainings ?? 0) + outcome.trainings;
        return outcome;
      } catch (error) {
        if (isCancellation(error)) throw error;
        const message = failureMessage(error).slice(0, MAX_MESSAGE_CHARS);
        carry.failedTeachers = { ...(carry.failedTeachers ?? {}), [teacher.key]: message };
        recordFailure({ key: teacher.key, kind: 'teacher', message });
        return { failed: message };
      }
    });
  const teacherState = (key: string): Promise<TeacherState> => {
    let state = teacherStates.get(key);
    if (state === undefined) {
      const known = carry.teachers?.[key];
      const failedMessage = carry.failedTeachers?.[key];
      const spec = teacherSpecs.get(key);
      if (known) state = Promise.resolve(known);
      else if (failedMessage !== undefined) state = Promise.resolve({ failed: failedMessage });
      else if (spec === undefined) state = Promise.resolve({ failed: `no teacher ${key} in the plan` });
      else state = runTeacher(spec);
      teacherStates.set(key, state);
    }
    return state;
  };

  type ProductState = DataProductOutcome | { failed: string } | 'deferred';
  const productStates = new Map<string, Promise<ProductState>>();
  const runProduct = async (product: DataProductSpec): Promise<ProductState> => {
    // Translate-train: a product translating another's rows waits for it outside the window, as a product waits for its teacher.
    if (product.kind === 'translate' && product.from.kind === 'product') {
      const parentKey = product.from.productKey;
      const parent = await (productStates.get(parentKey) ?? Promise.resolve<ProductState>({ failed: `no data product ${parentKey} in the plan` }));
      if (parent === 'deferred') return 'deferred';
      if ('failed' in parent) {
        const message = `the data product it translates, ${parentKey}, failed: ${parent.failed}`.slice(0, MAX_MESSAGE_CHARS);
        carry.failedProducts[product.key] = message;
        recordFailure({ key: product.key, kind: 'data-product', message });
        return { failed: message };
      }
      return runProductInWindow(product, undefined, { key: parentKey, dataset: parent.dataset });
    }
    const teacherKey = product.annotation?.teacherKey;
    let teacher: { outcome: TeacherOutcome; training: TeacherSpec['training'] } | undefined;
    if (teacherKey !== undefined) {
      const state = await teacherState(teacherKey);
      if (state === 'deferred') return 'deferred';
      if ('failed' in state) {
        const message = `its teacher ${teacherKey} failed: ${state.failed}`.slice(0, MAX_MESSAGE_CHARS);
        carry.failedProducts[product.key] = message;
        recordFailure({ key: product.key, kind: 'data-product', message });
        return { failed: message };
      }
      teacher = { outcome: state, training: (teacherSpecs.get(teacherKey) as TeacherSpec).training };
    }
    return runProductInWindow(product, teacher, undefined);
  };
  const runProductInWindow = (
    product: DataProductSpec,
    teacher: { outcome: TeacherOutcome; training: TeacherSpec['training'] } | undefined,
    sourceProduct: { key: string; dataset: ArtifactRef } | undefined,
  ): Promise<ProductState> =>
    runInWindow(productWindow, async () => {
      if (rollOverDue()) return 'deferred';
      try {
        const outcome = await executeChild(dataProductWorkflow, {
          workflowId: dataProductWorkflowId(sweepId, product.key),
          taskQueue: TASK_QUEUES.cpu,
          args: [
            {
              sweepId,
              dataRoot,
              dataset: datasetOf(product.task),
              product,
              ...(teacher === undefined ? {} : { teacher }),
              // Translate-train only, so other products' inputs are as they were.
              ...(sourceProduct === undefined ? {} : { sourceProduct }),
              ...(product.kind === 'translate' ? { testDataset: datasetOf(product.testDataset) } : {}),
            },
          ],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          typedSearchAttributes: searchAttributesFor(
            { sweepId, task: product.task, language: product.language, strategy: product.strategy, generator: productGeneratorName(product) },
            'generate',
          ),
          // Metadata on the start command, not a command of its own: histories recorded without it replay unchanged.
          staticSummary: dataProductTitle({ ...product, generatorName: productGeneratorName(product) }),
          staticDetails: `data product \`${product.key}\` of ${sweepId}`,
        });
        // The summary line is for the UI; the carry keeps only what the cells need.
        carry.products[product.key] = { key: outcome.key, dataset: outcome.dataset, llmCalls: outcome.llmCalls, ...(outcome.annotation ? { annotation: outcome.annotation } : {}) };
        carry.completedProducts += 1;
        carry.llmCalls += outcome.llmCalls;
        if (outcome.teacherInferences !== undefined) carry.teacherInferences = (carry.teacherInferences ?? 0) + outcome.teacherInferences;
        return outcome;
      } catch (error) {
        if (isCancellation(error)) throw error;
        const message = failureMessage(error).slice(0, MAX_MESSAGE_CHARS);
        carry.failedProducts[product.key] = message;
        recordFailure({ key: product.key, kind: 'data-product', message });
        return { failed: message };
      }
    });

  for (const product of plan.dataProducts) {
    if (!neededProducts.has(product.key)) continue;
    const known = carry.products[product.key];
    const failedMessage = carry.failedProducts[product.key];
    if (known) productStates.set(product.key, Promise.resolve(known));
    else if (failedMessage !== undefined) productStates.set(product.key, Promise.resolve({ failed: failedMessage }));
    else productStates.set(product.key, runProduct(product));
  }

  const markFailed = (index: number, cell: CellSpec, message: string) => {
    finished.add(index);
    carry.failedCells += 1;
    recordFailure({ key: cell.key, kind: 'cell', message });
  };

  const runCell = async (index: number): Promise<void> => {
    const cell = plan.cells[index] as CellSpec;
    let source: ArtifactRef | undefined;
    let annotation: DataProductOutcome['annotation'];
    if (cell.dataProductKey !== undefined) {
      const product = await productStates.get(cell.dataProductKey);
      if (product === undefined || product === 'deferred') return;
      if ('failed' in product) {
        markFailed(index, cell, `its data product ${cell.dataProductKey} failed: ${product.failed}`);
        return;
      }
      source = product.dataset;
      annotation = product.annotation;
    }
    let translatedSource: ArtifactRef | undefined;
    if (cell.translatedSourceKey !== undefined) {
      const product = await productStates.get(cell.translatedSourceKey);
      if (product === undefined || product === 'deferred') return;
      if ('failed' in product) {
        markFailed(index, cell, `its translated source ${cell.translatedSourceKey} failed: ${product.failed}`);
        return;
      }
      translatedSource = product.dataset;
    }
    // Only study D cells carry these, so a study A cell's input is as it was.
    const studyInputs = {
      ...(annotation === undefined ? {} : { annotation }),
      ...(cell.evaluation === undefined ? {} : { evaluationDataset: datasetOf(cell.evaluation.dataset) }),
      ...(translatedSource === undefined ? {} : { translatedSource }),
    };
    await runInWindow(cellWindow, async () => {
      if (rollOverDue()) return;
      try {
        const outcome = await executeChild(cellWorkflow, {
          workflowId: cellWorkflowId(sweepId, cell.key),
          taskQueue: TASK_QUEUES.cpu,
          args: [{ sweepId, dataRoot, cell, dataset: datasetOf(cell.task), source, ...studyInputs }],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          typedSearchAttributes: searchAttributesFor(
            { sweepId, task: cell.task, language: cell.language, strategy: cell.strategy, generator: cell.generator, seed: cell.seed },
            'select',
          ),
          staticSummary: cellTitle(cell),
          staticDetails: `cell \`${cell.key}\` of ${sweepId}` + (cell.classifier !== undefined ? ', an LLM classifier (trains nothing)' : cell.dataProductKey ? `, trained on data product \`${cell.dataProductKey}\`` : ', trained on gold data'),
        });
        finished.add(index);
        carry.completedCells += 1;
        carry.trainings += outcome.trainings;
        if (outcome.llmCalls !== undefined) carry.llmCalls += outcome.llmCalls;
      } catch (error) {
        if (isCancellation(error)) throw error;
        markFailed(index, cell, failureMessage(error).slice(0, MAX_MESSAGE_CHARS));
      }
    });
  };

  await Promise.all(unfinished.map(runCell));
  await Promise.all(productStates.values());

  if (finished.count() < plan.cells.length) {
    // Children are drained; hand over only what the remaining cells need.
    const stillNeeded = withTranslatedFrom(
      plan.dataProducts,
      new Set(plan.cells.filter((_, index) => !finished.has(index)).flatMap(productKeysOf)),
      (key) => carry.products[key] !== undefined,
    );
    const next: SweepCarry = {
      ...carry,
      runs: carry.runs + 1,
      finishedCells: finished.toHex(),
      products: Object.fromEntries(Object.entries(carry.products).filter(([key]) => stillNeeded.has(key))),
    };
    if (carry.teachers !== undefined) {
      // A teacher is still needed by the products the remaining cells wait for and that are not finished.
      const teachersNeeded = new Set(
        plan.dataProducts.filter((product) => stillNeeded.has(product.key) && carry.products[product.key] === undefined).map((product) => product.annotation?.teacherKey),
      );
      next.teachers = Object.fromEntries(Object.entries(carry.teachers).filter(([key]) => teachersNeeded.has(key)));
    }
    return continueAsNew<typeof sweepWorkflow>({ ...input, carry: next });
  }

  if (carry.completedCells === 0 && plan.cells.length > 0) {
    throw ApplicationFailure.create({
      type: 'SweepFailed',
      nonRetryable: true,
      message: `every cell of sweep ${sweepId} failed; first failure: ${carry.failed[0]?.message ?? 'unknown'}`,
    });
  }

  const totals = {
    sweepId,
    configHash: input.configHash,
    dataProducts: { total: plan.dataProducts.length, completed: carry.completedProducts, failed: Object.keys(carry.failedProducts).length },
    cells: { total: plan.cells.length, completed: carry.completedCells, failed: carry.failedCells, reused: carry.reusedCells },
    failed: carry.failed,
    failedTotal: carry.failedTotal,
    llmCalls: carry.llmCalls,
    trainings: carry.trainings,
    ...(plan.teachers.length === 0
      ? {}
      : {
          teachers: {
            total: plan.teachers.length,
            completed: Object.keys(carry.teachers ?? {}).length,
            failed: Object.keys(carry.failedTeachers ?? {}).length,
            trainings: carry.teacherTrainings ?? 0,
            inferences: carry.teacherInferences ?? 0,
          },
        }),
    runs: carry.runs + 1,
  };
  const summary = sweepSummary(config.name, totals);
  setCurrentDetails(summary);
  return { ...totals, summary };
}
