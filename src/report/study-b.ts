/**
 * Study B's report: the LLM classifier rows (macro-F1, accuracy, the rate of answers outside the
 * label set, how the answer was constrained). Pure.
 */
import type { CellResult } from '../artifacts/results';
import { compareText } from '../shared/compare';
import { formatPoints } from '../shared/summaries';
import { learningCurves, learningCurvesMarkdown } from './learning-curves';

export interface ClassifierRow {
  task: string;
  language: string;
  classifier: string;
  mode: string;
  examplesPerLabel: number | undefined;
  seed: number;
  n: number;
  macroF1: number;
  accuracy: number;
  outOfLabelRate: number;
  constraint: string;
}

export function classifierRows(cells: readonly CellResult[]): ClassifierRow[] {
  return cells
    .flatMap((cell): ClassifierRow[] =>
      cell.kind !== 'classifier' || cell.classifier === undefined
        ? []
        : [
            {
              task: cell.task,
              language: cell.evaluation?.language ?? cell.language,
              classifier: cell.classifier.name,
              mode: cell.classifier.mode,
              examplesPerLabel: cell.classifier.examplesPerLabel,
              seed: cell.seed,
              n: cell.classifier.n,
              macroF1: cell.macroF1,
              accuracy: cell.accuracy,
              outOfLabelRate: cell.classifier.outOfLabelRate,
              constraint: cell.classifier.constraint,
            },
          ],
    )
    .sort(
      (left, right) =>
        compareText(left.task, right.task) ||
        compareText(left.language, right.language) ||
        compareText(left.classifier, right.classifier) ||
        compareText(left.mode, right.mode) ||
        (left.examplesPerLabel ?? 0) - (right.examplesPerLabel ?? 0) ||
        left.seed - right.seed,
    );
}

/** The markdown table of LLM classifier rows. */
export function classifierMarkdown(rows: readonly ClassifierRow[]): string[] {
  return [
    '## LLMs as classifiers',
    '',
    'Each test row asked once, temperature 0; an answer that names no label counts as wrong (its rate: "outside labels"). Constraint: how the backend held the answer to the labels (`grammar`, `guided-choice`, `json-schema`), or `none` (parsed strictly).',
    '',
    '| task | language | classifier | mode | k per class | seed | n | macro-F1 | accuracy | outside labels % | constraint |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (row) =>
        `| ${row.task} | ${row.language} | ${row.classifier} | ${row.mode} | ${row.examplesPerLabel ?? '–'} | ${row.seed} | ${row.n} | ${formatPoints(row.macroF1)} | ${formatPoints(row.accuracy)} | ${formatPoints(row.outOfLabelRate)} | ${row.constraint} |`,
    ),
    '',
  ];
}

export function studyBMarkdown(cells: readonly CellResult[], sweepId: string): string | undefined {
  const rows = classifierRows(cells);
  const curves = learningCurves(cells);
  if (rows.length === 0 && curves.length === 0) return undefined;
  return [`# ${sweepId}: study B`, '', ...(rows.length === 0 ? [] : classifierMarkdown(rows)), ...learningCurvesMarkdown(curves)].join('\n');
}
