/**
 * Study C's report ("generate small, annotate strong"): per data product with LLM annotators, the
 * annotator agreement table (each pair of annotators on the product's rows, the teacher against
 * the label the rows took, each LLM annotator against gold on the calibration rows: rows compared,
 * raw agreement, Cohen's kappa, and the confusion matrix), the label distribution as annotated and
 * as trained on; and per task and evaluation the regime comparison: synthetic only, gold only, and
 * synthetic + gold in the regimes mix, warmup and reverse, macro-F1 and accuracy mean ± std over
 * seeds. Pure.
 */
import type { CellResult, DataProductResult } from '../artifacts/results';
import { meanAndStd } from './statistics';

export interface AgreementLine {
  first: string;
  second: string;
  rows: number;
  unlabelled: number;
  overall: number | undefined;
  kappa: number | undefined;
  confusion: number[][];
}

export interface StudyCProduct {
  key: string;
  labelFrom: string;
  labelDistribution: string;
  agreement: AgreementLine[];
  annotators: { name: string; constraint: string; outsideLabels: number; withConfidence: number; answered: number }[];
  asAnnotated: Record<string, number>;
  trainedOn: Record<string, number>;
  droppedOutsideLabels: number;
}

export interface StudyCRow {
  task: string;
  evaluation: string;
  /** `synthetic only (smollm2)`, `gold only`, `synthetic + gold · warmup`, … */
  name: string;
  order: number;
  seeds: number;
  macroF1: { mean: number; std: number };
  accuracy: { mean: number; std: number };
}

const nullable = (value: number | null) => (value === null ? undefined : value);

/** The products that LLM annotators labelled, with every agreement the records hold. */
export function studyCProducts(products: readonly DataProductResult[]): StudyCProduct[] {
  return products.flatMap((product): StudyCProduct[] => {
    const summary = product.llmAnnotation;
    if (summary === undefined) return [];
    const agreement: AgreementLine[] = summary.pairs.map((pair) => ({ ...pair, overall: nullable(pair.overall), kappa: nullable(pair.kappa) }));
    const teacher = product.annotation?.agreement;
    if (teacher !== undefined) {
      const rows = teacher.confusion.flat().reduce((sum, count) => sum + count, 0);
      agreement.push({ first: summary.labelFrom, second: 'teacher', rows, unlabelled: 0, overall: teacher.overall, kappa: teacher.kappa, confusion: teacher.confusion });
    }
    agreement.push(...summary.againstGold.map((pair) => ({ ...pair, overall: nullable(pair.overall), kappa: nullable(pair.kappa) })));
    return [
      {
        key: product.key,
        labelFrom: summary.labelFrom,
        labelDistribution: summary.labelDistribution,
        agreement,
        annotators: summary.annotators,
        asAnnotated: summary.asAnnotatedByLabel,
        trainedOn: product.counts.kept,
        droppedOutsideLabels: summary.droppedOutsideLabels,
      },
    ];
  });
}

/** What a cell trained on, in study C's words, and where its row sits in the table. */
function regimeRowOf(cell: CellResult, labelFrom: string | undefined): { name: string; order: number } | undefined {
  const set = cell.trainingSet;
  if (set === undefined) return cell.kind === 'gold' ? { name: 'gold only (gold baseline)', order: 10 } : undefined;
  if (set.role === 'SRC') return { name: 'gold only', order: 10 };
  const labels = set.labels === 'prompt' ? (labelFrom ?? 'product labels') : set.labels;
  const bothParts = set.role === 'SRC+GEN' || set.sourceSize > 0;
  if (!bothParts) return { name: `synthetic only (${labels})`, order: set.labels === 'prompt' ? 0 : 1 };
  const regime = cell.regime ?? 'mix';
  const regimeOrder = ['warmup', 'mix', 'reverse'].indexOf(regime);
  return { name: `synthetic (${labels}) + gold · ${regime}`, order: 20 + regimeOrder + (set.labels === 'prompt' ? 0 : 10) };
}

/** The regime comparison's rows: cells grouped by task, evaluation and training set, mean ± std over their seeds. */
export function studyCRows(cells: readonly CellResult[], products: readonly DataProductResult[]): StudyCRow[] {
  const labelFromOf = (cell: CellResult) => products.find((product) => product.key.startsWith(`${cell.task}.${cell.language}.${cell.strategy}.${cell.generator}.`))?.llmAnnotation?.labelFrom;
  const groups = new Map<string, { row: { name: string; order: number }; task: string; evaluation: string; cells: CellResult[] }>();
  for (const cell of cells) {
    if (cell.kind === 'classifier') continue;
    const row = regimeRowOf(cell, labelFromOf(cell));
    if (row === undefined) continue;
    const evaluation = `${cell.evaluation?.dataset ?? cell.task}/${cell.evaluation?.language ?? cell.language}`;
    const key = [cell.task, evaluation, row.name].join('\u0000');
    const group = groups.get(key) ?? { row, task: cell.task, evaluation, cells: [] };
    group.cells.push(cell);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((group) => ({
      task: group.task,
      evaluation: group.evaluation,
      name: group.row.name,
      order: group.row.order,
      seeds: group.cells.length,
      macroF1: meanAndStd(group.cells.map((cell) => cell.macroF1)),
      accuracy: meanAndStd(group.cells.map((cell) => cell.accuracy)),
    }))
    .sort((left, right) => left.task.localeCompare(right.task) || left.evaluation.localeCompare(right.evaluation) || left.order - right.order || left.name.localeCompare(right.name));
}

const points = (value: number) => (value * 100).toFixed(1);
const meanStd = (stats: { mean: number; std: number }) => `${points(stats.mean)} ± ${points(stats.std)}`;
const figure = (value: number | undefined, digits = 3) => (value === undefined ? '—' : value.toFixed(digits));
const counts = (byLabel: Record<string, number>) => Object.entries(byLabel).map(([label, count]) => `${label} ${count}`).join(', ');

/** Study C's markdown: agreement and label distribution per product, then the regime comparison; undefined when the sweep has no LLM annotators. */
export function studyCMarkdown(products: readonly StudyCProduct[], rows: readonly StudyCRow[], sweepId: string): string | undefined {
  if (products.length === 0) return undefined;
  const lines = [`# ${sweepId}: study C`, ''];
  lines.push('## Annotator agreement', '');
  lines.push(
    'Pairs of annotators on the product\'s rows; the teacher against the label the rows took (over the rows kept); each LLM annotator against gold on the calibration rows (gold train rows it also labelled). Unlabelled: rows left out because one side answered outside the labels. Confusion: rows = first annotator\'s label, columns = second\'s.',
    '',
  );
  for (const product of products) {
    lines.push(`### ${product.key}`, '');
    lines.push(`rows take the labels of **${product.labelFrom}** (${product.labelDistribution}); ${product.droppedOutsideLabels} rows dropped for an answer outside the labels`, '');
    lines.push('| annotators | rows | unlabelled | agreement | Cohen\'s kappa | confusion |', '|---|---:|---:|---:|---:|---|');
    for (const pair of product.agreement) {
      lines.push(`| ${pair.first} × ${pair.second} | ${pair.rows} | ${pair.unlabelled} | ${pair.overall === undefined ? '—' : points(pair.overall)} | ${figure(pair.kappa)} | ${pair.confusion.map((row) => row.join(' ')).join(' / ')} |`);
    }
    lines.push('', '| LLM annotator | constrained by | outside the labels | answers with a confidence |', '|---|---|---:|---:|');
    for (const annotator of product.annotators) lines.push(`| ${annotator.name} | ${annotator.constraint} | ${annotator.outsideLabels} | ${annotator.withConfidence} of ${annotator.answered} |`);
    lines.push('', `label distribution as annotated: ${counts(product.asAnnotated)}`, `label distribution of the product's rows: ${counts(product.trainedOn)}`, '');
  }
  lines.push('## Regimes', '', 'Macro-F1 and accuracy in points, mean ± std over seeds. warmup: synthetic rows first, then gold from the best weights; reverse: gold first, then synthetic; mix: one shuffled set.', '');
  const sections = new Map<string, StudyCRow[]>();
  for (const row of rows) sections.set(`${row.task} → ${row.evaluation}`, [...(sections.get(`${row.task} → ${row.evaluation}`) ?? []), row]);
  for (const [title, section] of sections) {
    lines.push(`### ${title}`, '', '| training set | seeds | macro-F1 | accuracy |', '|---|---:|---:|---:|');
    for (const row of section) lines.push(`| ${row.name} | ${row.seeds} | ${meanStd(row.macroF1)} | ${meanStd(row.accuracy)} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
