/**
 * Pre-flight of the data a sweep will read: the data root, every split file of every task and
 * language (the same files, read by the same readers, as the activities), and a label-descriptions
 * file. Problems name the file and line, never the file's content.
 */
import { stat } from 'node:fs/promises';
import { languagesForSplit, type DatasetSpec, type SplitName } from '../../data/dataset-spec';
import { parseLabelDescriptions } from '../../data/label-descriptions';
import { DataError, inspectSplitContent, isInsideFolder, outsideDataRootProblem, readDataFile, resolveSplitFileInsideRoot, storedSplitOf, type Example } from '../../data/readers';
import { repoRoot, resolveFromRepo } from '../../infra/paths';
import type { ConfigProblem } from '../load';
import type { SweepConfig } from '../schema';
import { strategySettings } from '../strategies';

/** Row problems listed per file before the rest are counted. */
const PROBLEMS_PER_FILE = 10;

export type DataCheckConfig = Pick<SweepConfig, 'tasks' | 'languages' | 'strategies' | 'datasets'> &
  Partial<Pick<SweepConfig, 'labelDescriptions' | 'selection' | 'training' | 'goldBaseline' | 'allowPathsOutsideDataRoot' | 'dataRoot'>>;

interface SplitRead {
  task: string;
  taskIndex: number;
  language: string;
  split: SplitName;
}

function problemOf(error: unknown, field: string): ConfigProblem {
  if (error instanceof DataError) return { field, ...(error.file === undefined ? {} : { file: error.file, line: error.line ?? 0 }), message: error.problem };
  throw error;
}

/** Every split file the sweep's activities read: select (train, dev, test), dedupe (test), English demos and label summaries (English train). */
export function splitsRead(config: DataCheckConfig, datasets: Record<string, DatasetSpec>): SplitRead[] {
  const settings = config.strategies.map(strategySettings);
  const readsEnglishTrain =
    settings.some((strategy) => strategy.demos === 'english') || (settings.some((strategy) => strategy.summarizedLabel) && config.labelDescriptions?.source !== 'file');
  const reads = new Map<string, SplitRead>();
  const add = (read: SplitRead) => reads.set(`${read.task}|${read.language}|${read.split}`, reads.get(`${read.task}|${read.language}|${read.split}`) ?? read);
  config.tasks.forEach(({ dataset: task }, taskIndex) => {
    const spec = datasets[task];
    if (spec === undefined) return;
    for (const language of config.languages) {
      add({ task, taskIndex, language, split: 'train' });
      if (languagesForSplit(spec, 'dev').includes(language)) add({ task, taskIndex, language, split: 'dev' });
      add({ task, taskIndex, language, split: 'test' });
    }
    if (readsEnglishTrain) add({ task, taskIndex, language: 'en', split: 'train' });
  });
  // Study D: the students are scored on the evaluation dataset's test split in each evaluation language.
  config.tasks.forEach(({ evaluation }, taskIndex) => {
    if (evaluation === undefined || datasets[evaluation.dataset] === undefined) return;
    for (const language of evaluation.languages) add({ task: evaluation.dataset, taskIndex, language, split: 'test' });
  });
  return [...reads.values()];
}

/** The config field a split's file comes from: the config's own path for it, else the task. */
function fieldOf(config: DataCheckConfig, read: SplitRead): string {
  const files = (config.datasets[read.task] as { files?: Record<string, unknown> } | undefined)?.files;
  const where = files?.[read.split] !== undefined ? `datasets.${read.task}.files.${read.split}` : `tasks.${read.taskIndex} (dataset ${read.task})`;
  return `${where}, language ${read.language}`;
}

function countByLabel(examples: readonly Example[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { label } of examples) counts.set(label, (counts.get(label) ?? 0) + 1);
  return counts;
}

/** Labels a split must have rows for: every label in train (demos, gold), and enough to hold out a dev set when there is no dev split. */
function rowCountProblems(config: DataCheckConfig, spec: DatasetSpec, read: SplitRead, examples: readonly Example[], file: string, field: string): ConfigProblem[] {
  if (read.split !== 'train') return [];
  const counts = countByLabel(examples);
  const carvesDev = !languagesForSplit(spec, 'dev').includes(read.language) && config.languages.includes(read.language);
  const devPerLabel = config.training?.devPerLabel;
  const problems: ConfigProblem[] = [];
  for (const label of spec.labels) {
    const count = counts.get(label) ?? 0;
    if (count === 0) {
      problems.push({ field, file, message: `no row has the label "${label}": its demos would be empty and the gold baseline could not learn it` });
    } else if (carvesDev && config.goldBaseline !== false && devPerLabel !== undefined && count <= devPerLabel) {
      problems.push({
        field,
        file,
        message: `the label "${label}" has ${count} row${count === 1 ? '' : 's'}; with no dev split, training.devPerLabel (${devPerLabel}) of them are held out for early stopping, leaving none for the gold baseline`,
      });
    }
  }
  return problems;
}

async function folderProblem(folder: string, field: string, what: string): Promise<ConfigProblem | undefined> {
  const info = await stat(folder).catch(() => undefined);
  if (info === undefined) return { field, message: `${what} ${folder} does not exist` };
  if (!info.isDirectory()) return { field, message: `${what} ${folder} is not a folder` };
  return undefined;
}

/** Checks every data file the sweep reads; returns every problem. */
export async function checkDataFiles(config: DataCheckConfig, datasets: Record<string, DatasetSpec>, dataRoot: string): Promise<ConfigProblem[]> {
  const rootProblem = await folderProblem(
    dataRoot,
    config.dataRoot !== undefined ? 'dataRoot' : 'dataRoot (not set: SYNTHLAB_DATA_ROOT or ../shared/data)',
    'the data root',
  );
  if (rootProblem) return [rootProblem, ...(await checkLabelDescriptionsFile(config, datasets, dataRoot))];

  const problems: ConfigProblem[] = [];
  // A file shared by several reads (one file for every language) is read and reported once.
  const inspected = new Map<string, Promise<{ examples: Example[]; problems: DataError[] } | DataError>>();
  // A stored split that is missing is reported once, not again for each split derived from it.
  const unresolved = new Set<string>();
  for (const read of splitsRead(config, datasets)) {
    const spec = datasets[read.task] as DatasetSpec;
    const field = fieldOf(config, read);
    // A derived split (XNLI's train) is read from the stored file it is carved out of.
    const storedSplit = storedSplitOf(spec, read.split);
    let file: string;
    try {
      file = resolveSplitFileInsideRoot(spec, { dataRoot, language: read.language, split: storedSplit });
    } catch (error) {
      const problem = problemOf(error, field);
      const key = `${spec.name}|${read.language}|${storedSplit}|${problem.field}|${problem.message}`;
      if (!unresolved.has(key)) problems.push(problem);
      unresolved.add(key);
      continue;
    }
    const cacheKey = `${spec.name}|${file}`;
    const firstRead = !inspected.has(cacheKey);
    if (firstRead) {
      inspected.set(
        cacheKey,
        readDataFile(file).then(
          (content) => inspectSplitContent(spec, content, file, read.split, PROBLEMS_PER_FILE),
          (error: unknown) => (error instanceof DataError ? error : Promise.reject(error)),
        ),
      );
    }
    const result = await inspected.get(cacheKey)!;
    if (!firstRead) continue;
    if (result instanceof DataError) {
      problems.push(problemOf(result, field));
      continue;
    }
    problems.push(...result.problems.map((problem) => problemOf(problem, field)));
    if (result.problems.length === 0) problems.push(...rowCountProblems(config, spec, read, result.examples, file, field));
  }
  problems.push(...(await checkLabelDescriptionsFile(config, datasets, dataRoot)));
  return problems;
}

/** The label-descriptions CSV of the SL strategies, when the config names one and a strategy uses it. */
async function checkLabelDescriptionsFile(config: DataCheckConfig, datasets: Record<string, DatasetSpec>, dataRoot: string): Promise<ConfigProblem[]> {
  const settings = config.labelDescriptions;
  if (settings?.source !== 'file' || !config.strategies.some((strategy) => strategySettings(strategy).summarizedLabel)) return [];
  const field = 'labelDescriptions.path';
  const file = resolveFromRepo(settings.path);
  if (config.allowPathsOutsideDataRoot !== true && !isInsideFolder(file, dataRoot) && !isInsideFolder(file, repoRoot)) {
    return [{ field, file, message: `${outsideDataRootProblem(dataRoot)} (or the repository)` }];
  }
  let content: Buffer;
  try {
    content = await readDataFile(file);
  } catch (error) {
    return [problemOf(error, field)];
  }
  const problems: ConfigProblem[] = [];
  const reported = new Set<string>();
  for (const spec of Object.values(datasets)) {
    try {
      parseLabelDescriptions(content, file, settings, spec.labels);
    } catch (error) {
      const problem = problemOf(error, field);
      const message = problem.message.startsWith('no description') ? `${problem.message} (of dataset ${spec.name})` : problem.message;
      if (reported.has(message)) continue;
      reported.add(message);
      problems.push({ ...problem, message });
    }
  }
  return problems;
}
