/**
 * Agreement between annotators of one data product (study C: the prompt, an LLM annotator, the
 * teacher) and, on rows that have gold labels, of each annotator with gold: pairwise Cohen's
 * kappa and confusion matrices. Pure. A row an annotator left without a label (an answer outside
 * the label set) is left out of that annotator's pairs and counted.
 */
import { agreement } from './selection';

export interface AnnotatorLabels {
  name: string;
  /** One label per row in product order; undefined where the annotator gave none. */
  labels: readonly (string | undefined)[];
}

export interface PairAgreement {
  first: string;
  second: string;
  /** Rows both labelled. */
  rows: number;
  /** Rows left out because one side had no label. */
  unlabelled: number;
  overall: number;
  kappa: number;
  /** confusion[first's label][second's label], in the labels' order. */
  confusion: number[][];
}

export interface AnnotatorAgreement {
  pairs: PairAgreement[];
  /** Each annotator against gold (`second` is `gold`), on rows that have a gold label. */
  againstGold: PairAgreement[];
}

function pairOf(first: AnnotatorLabels, second: AnnotatorLabels, labels: readonly string[]): PairAgreement {
  if (first.labels.length !== second.labels.length) throw new Error(`annotators ${first.name} and ${second.name} labelled ${first.labels.length} and ${second.labels.length} rows`);
  const index = new Map(labels.map((label, position) => [label, position]));
  const firstIndices: number[] = [];
  const secondIndices: number[] = [];
  let unlabelled = 0;
  first.labels.forEach((label, row) => {
    const other = second.labels[row];
    const firstIndex = label === undefined ? undefined : index.get(label);
    const secondIndex = other === undefined ? undefined : index.get(other);
    if (label !== undefined && firstIndex === undefined) throw new Error(`annotator ${first.name}: row ${row} has label "${label}", not one of ${labels.join(', ')}`);
    if (other !== undefined && secondIndex === undefined) throw new Error(`annotator ${second.name}: row ${row} has label "${other}", not one of ${labels.join(', ')}`);
    if (firstIndex === undefined || secondIndex === undefined) {
      unlabelled += 1;
      return;
    }
    firstIndices.push(firstIndex);
    secondIndices.push(secondIndex);
  });
  if (firstIndices.length === 0) {
    return { first: first.name, second: second.name, rows: 0, unlabelled, overall: Number.NaN, kappa: Number.NaN, confusion: labels.map(() => labels.map(() => 0)) };
  }
  const result = agreement(firstIndices, secondIndices, labels);
  return { first: first.name, second: second.name, rows: firstIndices.length, unlabelled, overall: result.overall, kappa: result.kappa, confusion: result.confusion };
}

/** Every pair of annotators (in the order given) and, with gold, each annotator against it. */
export function annotatorAgreement(annotators: readonly AnnotatorLabels[], labels: readonly string[], gold?: readonly (string | undefined)[]): AnnotatorAgreement {
  const names = annotators.map((annotator) => annotator.name);
  const repeated = names.filter((name, position) => names.indexOf(name) !== position);
  if (repeated.length > 0) throw new Error(`annotators named twice: ${repeated.join(', ')}`);
  const pairs: PairAgreement[] = [];
  for (let first = 0; first < annotators.length; first += 1) {
    for (let second = first + 1; second < annotators.length; second += 1) pairs.push(pairOf(annotators[first] as AnnotatorLabels, annotators[second] as AnnotatorLabels, labels));
  }
  const againstGold = gold === undefined ? [] : annotators.map((annotator) => pairOf(annotator, { name: 'gold', labels: gold }, labels));
  return { pairs, againstGold };
}

const figure = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(3));

/** The agreement table of a report: one line per pair, kappa and raw agreement, rows compared and left out. */
export function agreementMarkdown(result: AnnotatorAgreement): string {
  const lines = ['| annotators | rows | unlabelled | agreement | Cohen\'s kappa |', '|---|---:|---:|---:|---:|'];
  for (const pair of [...result.pairs, ...result.againstGold]) {
    lines.push(`| ${pair.first} × ${pair.second} | ${pair.rows} | ${pair.unlabelled} | ${figure(pair.overall)} | ${figure(pair.kappa)} |`);
  }
  return `${lines.join('\n')}\n`;
}
