/**
 * Study B's learning curves: macro-F1 against training-set size per task × language, synthetic and
 * gold with ± one std over repeats, the LLM classifiers as flat lines, and the crossover sizes.
 * Pure: the report writes what these return.
 */
import type { CellResult } from '../artifacts/results';
import { compareText } from '../shared/compare';
import { formatPoints } from '../shared/summaries';
import { meanAndStd } from './statistics';
import { escapeXml, figureFrame, niceTicks, textWidth } from './svg';

export interface CurvePoint {
  size: number;
  mean: number;
  std: number;
  repeats: number;
}

export interface CurveSeries {
  /** `gold`, or `<strategy> · <generator>` for a synthetic series. */
  name: string;
  kind: 'synthetic' | 'gold';
  points: CurvePoint[];
}

export interface ClassifierLine {
  /** `<classifier> · <mode>`. */
  name: string;
  macroF1: number;
}

export interface LearningCurve {
  task: string;
  language: string;
  series: CurveSeries[];
  classifiers: ClassifierLine[];
}

/** Cells of the size axis (those with `size`) and classifier cells, grouped per task × language. */
export function learningCurves(cells: readonly CellResult[]): LearningCurve[] {
  const curves = new Map<string, { task: string; language: string; bySeries: Map<string, { kind: 'synthetic' | 'gold'; bySize: Map<number, number[]> }>; classifiers: Map<string, number[]> }>();
  const curveOf = (task: string, language: string) => {
    const key = `${task}\u0000${language}`;
    let curve = curves.get(key);
    if (curve === undefined) {
      curve = { task, language, bySeries: new Map(), classifiers: new Map() };
      curves.set(key, curve);
    }
    return curve;
  };
  for (const cell of cells) {
    if (cell.kind === 'classifier' && cell.classifier !== undefined) {
      const curve = curveOf(cell.task, cell.evaluation?.language ?? cell.language);
      const name = `${cell.generator} · ${cell.strategy}`;
      curve.classifiers.set(name, [...(curve.classifiers.get(name) ?? []), cell.macroF1]);
      continue;
    }
    if (cell.size === undefined || cell.kind === 'classifier') continue;
    const curve = curveOf(cell.task, cell.language);
    const name = cell.kind === 'gold' ? 'gold' : `${cell.strategy} · ${cell.generator}`;
    const series = curve.bySeries.get(name) ?? { kind: cell.kind, bySize: new Map<number, number[]>() };
    series.bySize.set(cell.size.total, [...(series.bySize.get(cell.size.total) ?? []), cell.macroF1]);
    curve.bySeries.set(name, series);
  }
  return [...curves.values()]
    .filter((curve) => curve.bySeries.size > 0)
    .map((curve) => ({
      task: curve.task,
      language: curve.language,
      series: [...curve.bySeries.entries()]
        .map(([name, series]) => ({
          name,
          kind: series.kind,
          points: [...series.bySize.entries()].sort(([left], [right]) => left - right).map(([size, values]) => ({ size, ...meanAndStd(values), repeats: values.length })),
        }))
        .sort((left, right) => (left.kind === right.kind ? compareText(left.name, right.name) : left.kind === 'gold' ? 1 : -1)),
      classifiers: [...curve.classifiers.entries()].map(([name, values]) => ({ name, macroF1: meanAndStd(values).mean })).sort((left, right) => compareText(left.name, right.name)),
    }))
    .sort((left, right) => compareText(left.task, right.task) || compareText(left.language, right.language));
}

/**
 * The smallest size from which `challenger`'s mean stays above `reference` at every larger size
 * both were run at (a number: a flat reference such as an LLM classifier); undefined when it never
 * does, or when they share no size.
 */
export function crossoverSize(challenger: readonly CurvePoint[], reference: readonly CurvePoint[] | number): number | undefined {
  const referenceAt = (size: number): number | undefined => (typeof reference === 'number' ? reference : reference.find((point) => point.size === size)?.mean);
  const shared = challenger.filter((point) => referenceAt(point.size) !== undefined).sort((left, right) => left.size - right.size);
  let crossing: number | undefined;
  for (const point of shared) {
    if (point.mean > (referenceAt(point.size) as number)) crossing ??= point.size;
    else crossing = undefined;
  }
  return crossing;
}

export interface Crossover {
  what: string;
  size: number | undefined;
}

/** Where gold overtakes each synthetic series, and where each fine-tuned series overtakes each LLM classifier. */
export function crossovers(curve: LearningCurve): Crossover[] {
  const gold = curve.series.find((series) => series.kind === 'gold');
  const synthetic = curve.series.filter((series) => series.kind === 'synthetic');
  const found: Crossover[] = [];
  if (gold !== undefined) for (const series of synthetic) found.push({ what: `gold overtakes ${series.name}`, size: crossoverSize(gold.points, series.points) });
  for (const classifier of curve.classifiers) {
    for (const series of curve.series) found.push({ what: `${series.name} (fine-tuned) overtakes ${classifier.name}`, size: crossoverSize(series.points, classifier.macroF1) });
  }
  return found;
}

const COLORS = ['#4e79a7', '#f28e2b', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];
const GOLD_COLOR = '#e15759';

/** One figure: macro-F1 (points) against size on a log axis, a ± one std band per series, classifiers dashed. */
export function learningCurveSvg(curve: LearningCurve, title: string): string {
  const height = 470;
  const left = 64;
  // The legend sits right of the plot: wide enough for its longest name.
  const legendNames = [...curve.series.map((series) => series.name), ...curve.classifiers.map((line) => `${line.name} (LLM)`)];
  const right = Math.max(230, Math.ceil(38 + Math.max(0, ...legendNames.map((name) => textWidth(name, 11))) + 12));
  const width = left + 466 + right;
  const top = 50;
  const bottom = 60;
  const sizes = curve.series.flatMap((series) => series.points.map((point) => point.size));
  const lowSize = Math.min(...sizes);
  const highSize = Math.max(...sizes, lowSize * 2);
  const values = [...curve.series.flatMap((series) => series.points.flatMap((point) => [point.mean - point.std, point.mean + point.std])), ...curve.classifiers.map((line) => line.macroF1)].map((value) => value * 100);
  const yTicks = niceTicks(Math.min(0, ...values), Math.max(10, ...values), 6);
  const [yLow = 0, yHigh = 100] = [yTicks[0], yTicks[yTicks.length - 1]];
  const x = (size: number) => left + ((Math.log10(size) - Math.log10(lowSize)) / (Math.log10(highSize) - Math.log10(lowSize) || 1)) * (width - left - right);
  const y = (fraction: number) => height - bottom - ((fraction * 100 - yLow) / (yHigh - yLow || 1)) * (height - top - bottom);
  const xTicks: number[] = [];
  for (let decade = 10 ** Math.floor(Math.log10(lowSize)); decade <= highSize; decade *= 10) for (const step of [1, 2, 5]) if (decade * step >= lowSize && decade * step <= highSize) xTicks.push(decade * step);
  const parts = figureFrame({ width, height, title, fontSize: 11, fontFamily: 'sans-serif' });
  for (const tick of xTicks) parts.push(`<line x1="${x(tick).toFixed(1)}" y1="${top}" x2="${x(tick).toFixed(1)}" y2="${height - bottom}" stroke="#eee"/>`, `<text x="${x(tick).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${tick}</text>`);
  for (const tick of yTicks) parts.push(`<line x1="${left}" y1="${y(tick / 100).toFixed(1)}" x2="${width - right}" y2="${y(tick / 100).toFixed(1)}" stroke="#eee"/>`, `<text x="${left - 6}" y="${(y(tick / 100) + 4).toFixed(1)}" text-anchor="end">${tick}</text>`);
  parts.push(
    `<text x="${(left + width - right) / 2}" y="${height - 16}" text-anchor="middle" font-weight="bold">training-set size (log scale)</text>`,
    `<text x="16" y="${(top + height - bottom) / 2}" text-anchor="middle" font-weight="bold" transform="rotate(-90 16 ${(top + height - bottom) / 2})">macro-F1 (mean ± std over repeats)</text>`,
  );
  const legend: string[] = [];
  curve.series.forEach((series, index) => {
    const color = series.kind === 'gold' ? GOLD_COLOR : (COLORS[index % COLORS.length] as string);
    const upper = series.points.map((point) => `${x(point.size).toFixed(1)},${y(point.mean + point.std).toFixed(1)}`);
    const lower = [...series.points].reverse().map((point) => `${x(point.size).toFixed(1)},${y(point.mean - point.std).toFixed(1)}`);
    parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
    parts.push(`<polyline points="${series.points.map((point) => `${x(point.size).toFixed(1)},${y(point.mean).toFixed(1)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const point of series.points) {
      parts.push(`<circle cx="${x(point.size).toFixed(1)}" cy="${y(point.mean).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${series.name}, size ${point.size}: ${formatPoints(point.mean)} ± ${formatPoints(point.std)} (${point.repeats} runs)`)}</title></circle>`);
    }
    legend.push(`<line x1="${width - right + 12}" y1="${top + 10 + legend.length * 16}" x2="${width - right + 32}" y2="${top + 10 + legend.length * 16}" stroke="${color}" stroke-width="2"/><text x="${width - right + 38}" y="${top + 14 + legend.length * 16}">${escapeXml(series.name)}</text>`);
  });
  curve.classifiers.forEach((line, index) => {
    const color = COLORS[(index + 4) % COLORS.length] as string;
    parts.push(`<line x1="${left}" y1="${y(line.macroF1).toFixed(1)}" x2="${width - right}" y2="${y(line.macroF1).toFixed(1)}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4"><title>${escapeXml(`${line.name}: ${formatPoints(line.macroF1)}`)}</title></line>`);
    legend.push(`<line x1="${width - right + 12}" y1="${top + 10 + legend.length * 16}" x2="${width - right + 32}" y2="${top + 10 + legend.length * 16}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4"/><text x="${width - right + 38}" y="${top + 14 + legend.length * 16}">${escapeXml(line.name)} (LLM)</text>`);
  });
  parts.push(...legend, '</svg>');
  return `${parts.join('\n')}\n`;
}

export function learningCurveFileName(curve: Pick<LearningCurve, 'task' | 'language'>): string {
  return `learning-curve-${curve.task}-${curve.language}.svg`;
}

/** The markdown section: per task × language, the figure, the table of means ± std per size, and the crossovers. */
export function learningCurvesMarkdown(curves: readonly LearningCurve[]): string[] {
  const lines: string[] = [];
  for (const curve of curves) {
    lines.push(`## Learning curve: ${curve.task} · ${curve.language}`, '', `![learning curve](${learningCurveFileName(curve)})`, '');
    const sizes = [...new Set(curve.series.flatMap((series) => series.points.map((point) => point.size)))].sort((left, right) => left - right);
    lines.push(`| size | ${curve.series.map((series) => series.name).join(' | ')} |`, `|---:|${curve.series.map(() => '---:').join('|')}|`);
    for (const size of sizes) {
      const cells = curve.series.map((series) => {
        const point = series.points.find((candidate) => candidate.size === size);
        return point === undefined ? '–' : `${formatPoints(point.mean)} ± ${formatPoints(point.std)} (${point.repeats})`;
      });
      lines.push(`| ${size} | ${cells.join(' | ')} |`);
    }
    lines.push('', 'macro-F1 mean ± std over repeats (runs in brackets).', '');
    if (curve.classifiers.length > 0) lines.push(`LLM classifiers: ${curve.classifiers.map((line) => `${line.name} ${formatPoints(line.macroF1)}`).join('; ')}.`, '');
    const found = crossovers(curve);
    if (found.length > 0) {
      lines.push('Crossovers (the smallest size from which the first stays above the second at every larger size run):', '');
      for (const crossover of found) lines.push(`- ${crossover.what}: ${crossover.size === undefined ? 'not within the sizes run' : `at ${crossover.size}`}`);
      lines.push('');
    }
  }
  return lines;
}
