/**
 * Study D's report: per task and evaluation language, one row per selection method × label kind
 * and per baseline (SRC, GEN, SRC+GEN) with macro-F1 and accuracy (mean ± std over seeds), the
 * diversity score and class balance of the selected generations, and the teacher's agreement with
 * the prompt's labels; and a scatter plot of macro-F1 against diversity. Pure.
 */
import type { CellResult, DataProductResult } from '../artifacts/results';
import { meanAndStd } from './statistics';
import { formatMeanStd, points, type SummaryRow } from './summary-table';
import { escapeXml, figureFrame, niceTicks } from './svg';

/** Seeds, macro-F1 and accuracy as the results table has them. */
export interface StudyDRow extends Pick<SummaryRow, 'seeds' | 'macroF1' | 'accuracy'> {
  task: string;
  /** The evaluation dataset and language, e.g. `sentiment/de`. */
  evaluation: string;
  /** `top · teacher-soft`, or a baseline name. */
  name: string;
  isBaseline: boolean;
  diversity: number | undefined;
  /** Normalised entropy of the selected generations' labels (1 = balanced). */
  balance: number | undefined;
  /** Overall agreement and Cohen's kappa of the data product the cell selected from (rows that use the teacher or select with it). */
  agreement: { overall: number; kappa: number } | undefined;
  scoredLabels: string[] | undefined;
}

const BASELINE_ORDER = ['SRC', 'GEN', 'SRC+GEN'];
const METHOD_ORDER = ['rand', 'top', 'div', 'easy', 'amb'];
const LABEL_ORDER = ['prompt', 'teacher-hard', 'teacher-soft'];

function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function rowOrder(row: StudyDRow): number {
  if (row.isBaseline) return BASELINE_ORDER.indexOf(row.name.split(' · ')[0] ?? row.name);
  const [method = '', labels = ''] = row.name.split(' · ');
  return 100 + METHOD_ORDER.indexOf(method) * 10 + LABEL_ORDER.indexOf(labels);
}

/** The rows of study D's table, from the cells that have a training set (study D cells). */
export function studyDRows(cells: readonly CellResult[], products: readonly DataProductResult[]): StudyDRow[] {
  const agreementOfKey = new Map(products.map((product) => [product.key, product.annotation?.agreement]));
  const productOfCell = (cell: CellResult): string | undefined => [...agreementOfKey.keys()].find((key) => key.startsWith(`${cell.task}.${cell.language}.${cell.strategy}.${cell.generator}.`));
  const groups = new Map<string, CellResult[]>();
  for (const cell of cells) {
    if (cell.trainingSet === undefined) continue;
    const plain = cell.trainingSet.role === 'method' ? `${cell.trainingSet.method} · ${cell.trainingSet.labels}` : cell.trainingSet.role;
    // Study C's regime axis: one row per regime, not one row over all of them.
    const name = cell.regime === undefined ? plain : `${plain} · ${cell.regime}`;
    const evaluation = `${cell.evaluation?.dataset ?? cell.task}/${cell.evaluation?.language ?? cell.language}`;
    const key = [cell.task, evaluation, cell.strategy === 'SRC' ? '' : `${cell.strategy}.${cell.generator}`, name].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  const rows: StudyDRow[] = [];
  for (const [key, group] of groups) {
    const [task = '', evaluation = '', , name = ''] = key.split('\u0000');
    const first = group[0] as CellResult;
    const usesTeacher = first.trainingSet?.role === 'method';
    const productKey = first.kind === 'synthetic' ? productOfCell(first) : undefined;
    const agreement = usesTeacher && productKey !== undefined ? agreementOfKey.get(productKey) : undefined;
    rows.push({
      task,
      evaluation,
      name,
      isBaseline: first.trainingSet?.role !== 'method',
      seeds: group.length,
      macroF1: meanAndStd(group.map((cell) => cell.macroF1)),
      accuracy: meanAndStd(group.map((cell) => cell.accuracy)),
      diversity: mean(group.flatMap((cell) => (cell.trainingSet?.diversity === undefined ? [] : [cell.trainingSet.diversity]))),
      balance: mean(group.flatMap((cell) => (cell.trainingSet?.classBalance === undefined ? [] : [cell.trainingSet.classBalance.entropyRatio]))),
      agreement: agreement === undefined ? undefined : { overall: agreement.overall, kappa: agreement.kappa },
      scoredLabels: first.evaluation?.scoredLabels,
    });
  }
  return rows.sort((left, right) => left.task.localeCompare(right.task) || left.evaluation.localeCompare(right.evaluation) || rowOrder(left) - rowOrder(right));
}

const optional = (value: number | undefined, digits = 3) => (value === undefined ? '—' : value.toFixed(digits));

/** One Markdown table per task and evaluation, with the note on shared labels where it applies. */
export function studyDMarkdown(rows: readonly StudyDRow[], sweepId: string): string {
  const lines = [`# ${sweepId}: study D`, '', 'Macro-F1 and accuracy in points, mean ± std over seeds. Diversity: mean pairwise cosine distance of the selected generations\' embeddings. Balance: normalised entropy of their training labels (1 = balanced). Agreement: the teacher\'s argmax against the prompt\'s label over the whole data product (overall, Cohen\'s kappa).', ''];
  const sections = new Map<string, StudyDRow[]>();
  for (const row of rows) sections.set(`${row.task} → ${row.evaluation}`, [...(sections.get(`${row.task} → ${row.evaluation}`) ?? []), row]);
  for (const [title, section] of sections) {
    lines.push(`## ${title}`, '');
    const scored = section.find((row) => row.scoredLabels !== undefined)?.scoredLabels;
    if (scored) lines.push(`scored over shared labels: ${scored.join(', ')} (the evaluation set has fewer labels than the task; predictions are the argmax over these)`, '');
    lines.push('| training set | seeds | macro-F1 | accuracy | diversity | balance | agreement | kappa |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of section) {
      lines.push(
        `| ${row.name} | ${row.seeds} | ${formatMeanStd(row.macroF1)} | ${formatMeanStd(row.accuracy)} | ${optional(row.diversity)} | ${optional(row.balance)} | ${row.agreement ? points(row.agreement.overall) : '—'} | ${optional(row.agreement?.kappa)} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** Macro-F1 (mean over seeds) against diversity, one point per training set with selected generations. */
export function f1DiversitySvg(rows: readonly StudyDRow[], title: string): string {
  const plotted = rows.filter((row) => row.diversity !== undefined);
  const width = 720;
  const height = 460;
  const left = 70;
  const right = 200;
  const top = 50;
  const bottom = 60;
  const xs = plotted.map((row) => row.diversity as number);
  const ys = plotted.map((row) => row.macroF1.mean * 100);
  const xTicks = niceTicks(Math.min(...xs, 0), Math.max(...xs, 0.01), 5);
  const yTicks = niceTicks(Math.min(...ys, 0), Math.max(...ys, 1), 5);
  const [xLow = 0, xHigh = 1] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [yLow = 0, yHigh = 1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const x = (value: number) => left + ((value - xLow) / (xHigh - xLow || 1)) * (width - left - right);
  const y = (value: number) => height - bottom - ((value - yLow) / (yHigh - yLow || 1)) * (height - top - bottom);
  const evaluations = [...new Set(plotted.map((row) => `${row.task} → ${row.evaluation}`))];
  const colors = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  const parts = figureFrame({ width, height, title, fontSize: 11, fontFamily: 'sans-serif' });
  for (const tick of xTicks) parts.push(`<line x1="${x(tick)}" y1="${top}" x2="${x(tick)}" y2="${height - bottom}" stroke="#eee"/>`, `<text x="${x(tick)}" y="${height - bottom + 16}" text-anchor="middle">${tick}</text>`);
  for (const tick of yTicks) parts.push(`<line x1="${left}" y1="${y(tick)}" x2="${width - right}" y2="${y(tick)}" stroke="#eee"/>`, `<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick}</text>`);
  parts.push(
    `<text x="${(left + width - right) / 2}" y="${height - 16}" text-anchor="middle" font-weight="bold">diversity (mean pairwise cosine distance)</text>`,
    `<text x="16" y="${(top + height - bottom) / 2}" text-anchor="middle" font-weight="bold" transform="rotate(-90 16 ${(top + height - bottom) / 2})">macro-F1 (mean over seeds)</text>`,
  );
  plotted.forEach((row) => {
    const color = colors[evaluations.indexOf(`${row.task} → ${row.evaluation}`) % colors.length] as string;
    const cx = x(row.diversity as number);
    const cy = y(row.macroF1.mean * 100);
    parts.push(
      `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4" fill="${color}"><title>${escapeXml(`${row.task} → ${row.evaluation}, ${row.name}: macro-F1 ${points(row.macroF1.mean)}, diversity ${optional(row.diversity)}`)}</title></circle>`,
      `<text x="${(cx + 6).toFixed(1)}" y="${(cy - 4).toFixed(1)}" font-size="9" fill="#444">${escapeXml(row.name)}</text>`,
    );
  });
  evaluations.forEach((evaluation, index) => {
    parts.push(`<circle cx="${width - right + 20}" cy="${top + 10 + index * 16}" r="4" fill="${colors[index % colors.length]}"/>`, `<text x="${width - right + 30}" y="${top + 14 + index * 16}">${escapeXml(evaluation)}</text>`);
  });
  if (plotted.length === 0) parts.push(`<text x="${left + 10}" y="${top + 20}" fill="#888">no training set with selected generations</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
