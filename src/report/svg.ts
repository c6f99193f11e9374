/**
 * Hand-written SVG charts (no dependencies): a confusion matrix per run and a grouped bar chart
 * of the gap to gold. Pure: strings in, a standalone SVG document out.
 */

/** Escapes text for SVG/XML text content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

const FONT_FAMILY = 'Helvetica, Arial, sans-serif';

/**
 * The opening of every figure: the `<svg>` element with its size and font, the title (as a
 * tooltip and as a heading) and a white background. The caller adds the body and `</svg>`.
 */
export function figureFrame({ width, height, title, fontSize, fontFamily = FONT_FAMILY }: { width: number; height: number; title: string; fontSize: number; fontFamily?: string }): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${fontFamily}" font-size="${fontSize}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
}

/** Rough text width for layout (no font metrics here): ~0.6 em per character. */
export function textWidth(text: string, fontSize: number): number {
  return Array.from(text).length * fontSize * 0.6;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** White → dark blue, t in [0, 1]. */
export function blueScale(t: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const from = [247, 251, 255];
  const to = [8, 48, 107];
  const channel = (index: number) => Math.round((from[index] as number) + ((to[index] as number) - (from[index] as number)) * clamped);
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`;
}

export interface ConfusionMatrixInput {
  title: string;
  subtitle?: string;
  /** Class names; rows are true labels, columns predicted labels, in this order. */
  labels: readonly string[];
  matrix: readonly (readonly number[])[];
}

export function confusionMatrixSvg({ title, subtitle, labels, matrix }: ConfusionMatrixInput): string {
  const n = labels.length;
  if (matrix.length !== n || matrix.some((row) => row.length !== n)) {
    throw new Error(`confusion matrix must be ${n}×${n} for ${n} labels`);
  }
  const cell = 44;
  const fontSize = 12;
  const longest = Math.max(0, ...labels.map((label) => textWidth(label, fontSize)));
  const left = Math.ceil(longest) + 46;
  const top = subtitle ? 70 : 54;
  const gridSize = cell * n;
  const bottom = Math.ceil(longest * Math.SQRT1_2) + 58;
  const legendX = left + gridSize + 24;
  const width = Math.max(legendX + 70, Math.ceil(textWidth(title, 15)) + 20);
  const height = top + gridSize + bottom;
  const max = Math.max(0, ...matrix.flat());
  const total = matrix.flat().reduce((sum, value) => sum + value, 0);
  const correct = matrix.reduce((sum, row, index) => sum + (row[index] ?? 0), 0);

  const parts = figureFrame({ width, height, title, fontSize });
  if (subtitle) parts.push(`<text x="10" y="40" fill="#444">${escapeXml(subtitle)}</text>`);
  parts.push(`<text x="10" y="${top - 10}" fill="#444">n=${total}, correct=${correct}</text>`);

  matrix.forEach((row, r) => {
    row.forEach((count, c) => {
      const t = max > 0 ? count / max : 0;
      const x = left + c * cell;
      const y = top + r * cell;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blueScale(t)}" stroke="#ccc"><title>true ${escapeXml(labels[r] ?? '')}, predicted ${escapeXml(labels[c] ?? '')}: ${count}</title></rect>`,
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${t > 0.5 ? 'white' : 'black'}"${r === c ? ' font-weight="bold"' : ''}>${count}</text>`,
      );
    });
  });
  // True labels down the left, predicted labels slanted under the grid.
  labels.forEach((label, index) => {
    parts.push(`<text x="${left - 6}" y="${top + index * cell + cell / 2 + 4}" text-anchor="end">${escapeXml(label)}</text>`);
    const x = left + index * cell + cell / 2;
    const y = top + gridSize + 12;
    parts.push(`<text x="${x}" y="${y}" text-anchor="end" transform="rotate(-45 ${x} ${y})">${escapeXml(label)}</text>`);
  });
  parts.push(
    `<text x="14" y="${top + gridSize / 2}" text-anchor="middle" font-weight="bold" transform="rotate(-90 14 ${top + gridSize / 2})">true label</text>`,
    `<text x="${left + gridSize / 2}" y="${height - 10}" text-anchor="middle" font-weight="bold">predicted label</text>`,
  );

  // Colour scale legend: 0 at the bottom, the largest count at the top.
  const steps = 10;
  const legendHeight = Math.max(gridSize, 80);
  for (let step = 0; step < steps; step += 1) {
    const y = top + (legendHeight * step) / steps;
    parts.push(`<rect x="${legendX}" y="${round(y)}" width="14" height="${round(legendHeight / steps + 0.5)}" fill="${blueScale(1 - step / steps)}"/>`);
  }
  parts.push(
    `<rect x="${legendX}" y="${top}" width="14" height="${legendHeight}" fill="none" stroke="#888"/>`,
    `<text x="${legendX + 18}" y="${top + 10}">${max}</text>`,
    `<text x="${legendX + 18}" y="${top + legendHeight}">0</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

export interface GapBar {
  /** The series (strategy · generator). */
  series: string;
  /** The group along the x axis (a language, or task/language). */
  group: string;
  /** Gap to gold in macro-F1 points (already ×100). */
  gap: number;
  /** Half-length of the error bar in points (std over seeds), if any. */
  error?: number;
}

/** Round tick values covering [low, high]. */
export function niceTicks(low: number, high: number, target = 6): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw) ?? 10 * magnitude);
  const ticks: number[] = [];
  for (let value = Math.floor(low / step) * step; value <= high + step * 1e-9; value += step) ticks.push(Math.round(value / step) * step);
  if ((ticks[ticks.length - 1] ?? low) < high) ticks.push((ticks[ticks.length - 1] ?? low) + step);
  return ticks;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export interface GapChartInput {
  title: string;
  groups: readonly string[];
  series: readonly string[];
  bars: readonly GapBar[];
  yLabel?: string;
  note?: string;
}

export function gapToGoldSvg({ title, groups, series, bars, yLabel = 'gap to gold (macro-F1 points)', note }: GapChartInput): string {
  const barWidth = 26;
  const groupGap = 28;
  const left = 70;
  const top = 50;
  const plotHeight = 300;
  const legendWidth = Math.max(120, ...series.map((name) => textWidth(name, 12) + 30));
  const groupWidth = Math.max(1, series.length) * barWidth + groupGap;
  const plotWidth = Math.max(1, groups.length) * groupWidth;
  const width = Math.ceil(Math.max(left + plotWidth + 30 + legendWidth, textWidth(title, 15) + 20));
  const height = top + plotHeight + 70 + (note ? 18 : 0);

  const extents = bars.flatMap((bar) => [bar.gap - (bar.error ?? 0), bar.gap + (bar.error ?? 0)]);
  const lowValue = Math.min(0, ...extents);
  const highValue = Math.max(0, ...extents);
  const ticks = niceTicks(lowValue, highValue > lowValue ? highValue : lowValue + 1);
  const low = ticks[0] ?? 0;
  const high = ticks[ticks.length - 1] ?? 1;
  const y = (value: number) => round(top + ((high - value) / (high - low || 1)) * plotHeight);

  const parts = figureFrame({ width, height, title, fontSize: 12 });
  for (const tick of ticks) {
    parts.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${y(tick)}" y2="${y(tick)}" stroke="${tick === 0 ? '#000' : '#e0e0e0'}"/>`,
      `<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${Number(tick.toFixed(6))}</text>`,
    );
  }
  parts.push(
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#000"/>`,
    `<text x="16" y="${top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 16 ${top + plotHeight / 2})">${escapeXml(yLabel)}</text>`,
  );
  groups.forEach((group, groupIndex) => {
    const groupX = left + groupIndex * groupWidth + groupGap / 2;
    parts.push(`<text x="${groupX + (series.length * barWidth) / 2}" y="${top + plotHeight + 18}" text-anchor="middle">${escapeXml(group)}</text>`);
    series.forEach((name, seriesIndex) => {
      const bar = bars.find((candidate) => candidate.group === group && candidate.series === name);
      if (!bar) return;
      const x = groupX + seriesIndex * barWidth;
      const y0 = y(0);
      const y1 = y(bar.gap);
      const colour = PALETTE[seriesIndex % PALETTE.length] as string;
      parts.push(
        `<rect x="${x + 2}" y="${Math.min(y0, y1)}" width="${barWidth - 4}" height="${round(Math.abs(y1 - y0))}" fill="${colour}"><title>${escapeXml(`${name}, ${group}: ${bar.gap.toFixed(1)}${bar.error ? ` ± ${bar.error.toFixed(1)}` : ''}`)}</title></rect>`,
      );
      if (bar.error) {
        const cx = x + barWidth / 2;
        const [eLow, eHigh] = [y(bar.gap - bar.error), y(bar.gap + bar.error)];
        parts.push(
          `<line x1="${cx}" x2="${cx}" y1="${eHigh}" y2="${eLow}" stroke="#222"/>`,
          `<line x1="${cx - 4}" x2="${cx + 4}" y1="${eHigh}" y2="${eHigh}" stroke="#222"/>`,
          `<line x1="${cx - 4}" x2="${cx + 4}" y1="${eLow}" y2="${eLow}" stroke="#222"/>`,
        );
      }
      const labelY = bar.gap >= 0 ? Math.min(y1, y(bar.gap + (bar.error ?? 0))) - 4 : Math.max(y1, y(bar.gap - (bar.error ?? 0))) + 12;
      parts.push(`<text x="${x + barWidth / 2}" y="${labelY}" text-anchor="middle" font-size="10">${bar.gap.toFixed(1)}</text>`);
    });
  });
  const legendX = left + plotWidth + 30;
  series.forEach((name, index) => {
    const legendY = top + index * 20;
    parts.push(
      `<rect x="${legendX}" y="${legendY}" width="12" height="12" fill="${PALETTE[index % PALETTE.length] as string}"/>`,
      `<text x="${legendX + 18}" y="${legendY + 10}">${escapeXml(name)}</text>`,
    );
  });
  parts.push(`<text x="${left + plotWidth / 2}" y="${top + plotHeight + 40}" text-anchor="middle" font-weight="bold">language</text>`);
  if (note) parts.push(`<text x="10" y="${height - 10}" fill="#444" font-size="11">${escapeXml(note)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export interface StepSeries {
  name: string;
  /** Points in time order; the value holds until the next point (a step function). */
  points: ReadonlyArray<{ x: number; y: number }>;
}

export interface StepChartInput {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly StepSeries[];
  /** Where the x axis ends, if after the last point (the value holds until then). */
  xEnd?: number;
  /** Marks along the x axis, e.g. when faults happened. */
  marks?: ReadonlyArray<{ x: number; label: string }>;
  note?: string;
}

/** Values over time as steps, e.g. a provider's adaptive concurrency limit. */
export function stepChartSvg({ title, xLabel, yLabel, series, xEnd, marks = [], note }: StepChartInput): string {
  const left = 60;
  const top = 50;
  const plotWidth = 560;
  const plotHeight = 240;
  const legendWidth = Math.max(120, ...series.map((line) => textWidth(line.name, 12) + 30));
  const width = Math.ceil(Math.max(left + plotWidth + 30 + legendWidth, textWidth(title, 15) + 20));
  const height = top + plotHeight + 60 + (note ? 18 : 0);
  const xs = [...series.flatMap((line) => line.points.map((point) => point.x)), ...marks.map((mark) => mark.x), ...(xEnd === undefined ? [] : [xEnd])];
  const ys = series.flatMap((line) => line.points.map((point) => point.y));
  const xTicks = niceTicks(Math.min(0, ...xs), Math.max(1, ...xs));
  const yTicks = niceTicks(0, Math.max(1, ...ys));
  const [xLow, xHigh] = [xTicks[0] ?? 0, xTicks[xTicks.length - 1] ?? 1];
  const yHigh = yTicks[yTicks.length - 1] ?? 1;
  const x = (value: number) => round(left + ((value - xLow) / (xHigh - xLow || 1)) * plotWidth);
  const y = (value: number) => round(top + ((yHigh - value) / (yHigh || 1)) * plotHeight);

  const parts = figureFrame({ width, height, title, fontSize: 12 });
  for (const tick of yTicks) {
    parts.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${y(tick)}" y2="${y(tick)}" stroke="${tick === 0 ? '#000' : '#e0e0e0'}"/>`,
      `<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${Number(tick.toFixed(6))}</text>`,
    );
  }
  for (const tick of xTicks) parts.push(`<text x="${x(tick)}" y="${top + plotHeight + 16}" text-anchor="middle">${Number(tick.toFixed(6))}</text>`);
  parts.push(
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#000"/>`,
    `<text x="16" y="${top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 16 ${top + plotHeight / 2})">${escapeXml(yLabel)}</text>`,
    `<text x="${left + plotWidth / 2}" y="${top + plotHeight + 36}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
  );
  for (const mark of marks) {
    parts.push(`<line x1="${x(mark.x)}" x2="${x(mark.x)}" y1="${top + plotHeight}" y2="${top + plotHeight - 6}" stroke="#e15759"><title>${escapeXml(mark.label)}</title></line>`);
  }
  series.forEach((line, index) => {
    const colour = PALETTE[index % PALETTE.length] as string;
    const corners: string[] = [];
    line.points.forEach((point, pointIndex) => {
      if (pointIndex > 0) corners.push(`${x(point.x)},${y(line.points[pointIndex - 1]?.y ?? point.y)}`);
      corners.push(`${x(point.x)},${y(point.y)}`);
    });
    const last = line.points[line.points.length - 1];
    if (last && xEnd !== undefined && xEnd > last.x) corners.push(`${x(xEnd)},${y(last.y)}`);
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${corners.join(' ')}"/>`,
      `<rect x="${left + plotWidth + 30}" y="${top + index * 20}" width="12" height="12" fill="${colour}"/>`,
      `<text x="${left + plotWidth + 48}" y="${top + index * 20 + 10}">${escapeXml(line.name)}</text>`,
    );
  });
  if (note) parts.push(`<text x="10" y="${height - 10}" fill="#444" font-size="11">${escapeXml(note)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
