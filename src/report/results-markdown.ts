/**
 * `results-<task>.md`: study-A-style markdown tables for one task. Rows strategy × generator,
 * columns languages; cells `mean ± std` ×100 over seeds (one decimal); the gold row; the gap to
 * gold per language plus its average; the same layout for accuracy. Pure.
 */
import type { FailedItem } from '../artifacts/results';
import type { LanguageStats, TaskResults } from './aggregate';
import { CLEAR_MARGIN } from './chance';
import { formatMeanStd, formatSignedPoints, points } from './summary-table';

/** Markdown table cell text: pipes escaped, line breaks flattened. */
export function markdownCell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/\r?\n|\r/g, ' ');
}

function table(header: readonly string[], alignRight: readonly boolean[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  const rule = `|${header.map((_, column) => (alignRight[column] ? '---:' : ':---')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function seedsText(stats: readonly (LanguageStats | undefined)[]): string {
  const counts = stats.filter((entry): entry is LanguageStats => entry !== undefined).map((entry) => entry.seeds);
  if (counts.length === 0) return '0';
  const low = Math.min(...counts);
  const high = Math.max(...counts);
  return low === high ? String(low) : `${low}–${high}`;
}

function metricTable(results: TaskResults, metric: 'macroF1' | 'accuracy'): string {
  const header = ['strategy', 'generator', 'seeds', ...results.languages];
  const align = [false, false, true, ...results.languages.map(() => true)];
  const cell = (stats: LanguageStats | undefined) => (stats ? formatMeanStd(stats[metric]) : '—');
  const rows = results.rows.map((row) => [
    row.strategy,
    row.generator,
    seedsText(results.languages.map((language) => row.byLanguage[language])),
    ...results.languages.map((language) => cell(row.byLanguage[language])),
  ]);
  const goldStats = results.languages.map((language) => results.gold[language]);
  if (goldStats.some((stats) => stats !== undefined)) {
    rows.push(['gold', '—', seedsText(goldStats), ...goldStats.map(cell)]);
  }
  if (Object.keys(results.chance).length > 0) {
    for (const [name, pick] of [['(majority class)', 'majority'], ['(uniform guess)', 'uniform']] as const) {
      rows.push([name, '—', '—', ...results.languages.map((language) => { const scores = results.chance[language]?.[pick]; return scores ? points(scores[metric]) : '—'; })]);
    }
  }
  return table(header, align, rows);
}

function gapTable(results: TaskResults): string {
  const header = ['strategy', 'generator', ...results.languages, 'average'];
  const align = [false, false, ...results.languages.map(() => true), true];
  const signed = (value: number | undefined) => (value === undefined ? '—' : formatSignedPoints(value));
  const rows = results.rows.map((row) => [
    row.strategy,
    row.generator,
    ...results.languages.map((language) => signed(row.gapByLanguage[language])),
    signed(row.averageGap),
  ]);
  return table(header, align, rows);
}

export interface ResultsMarkdownOptions {
  sweepId: string;
  /** Failures of the sweep; those whose key starts with `<task>.` are listed. */
  failed?: readonly FailedItem[];
  /** What the trainer said about a run's predictions (metrics.json `warnings`); those of this task's runs are listed. */
  warnings?: readonly RunWarning[];
}

export interface RunWarning {
  key: string;
  message: string;
}

export function resultsMarkdown(results: TaskResults, options: ResultsMarkdownOptions): string {
  const failed = (options.failed ?? []).filter((item) => item.key.startsWith(`${results.task}.`));
  const parts = [
    `# ${results.task}: results of ${options.sweepId}`,
    '',
    'Scores ×100, mean ± std over seeds (sample std; 0 with one seed). `gold`: the same classifier trained on the same number of real examples.',
    '',
    '## Macro-F1',
    '',
    metricTable(results, 'macroF1'),
    '',
    '## Gap to gold (macro-F1 points)',
    '',
    'Strategy mean minus gold mean per language; `average` is the mean over the languages with both.',
    '',
    ...(results.goldAtChance.length > 0
      ? [
          `**The gold baseline is not clearly above chance in ${results.goldAtChance.join(', ')}** (it needs ${points(CLEAR_MARGIN)} macro-F1 points and two std over seeds above the better of majority class and uniform guessing): no gap to gold is given there, it would compare with noise.`,
          '',
        ]
      : []),
    results.rows.length > 0 ? gapTable(results) : '_No synthetic cells._',
    '',
    '## Accuracy',
    '',
    metricTable(results, 'accuracy'),
    '',
  ];
  const warnings = (options.warnings ?? []).filter((item) => item.key.startsWith(`${results.task}.`));
  if (warnings.length > 0) {
    parts.push('## Warnings', '', 'The trained model of each run below answers too few labels for its scores to mean much.', '', ...warnings.map((item) => `- \`${item.key}\`: ${item.message}`), '');
  }
  if (failed.length > 0) {
    parts.push('## Failed', '', ...failed.map((item) => `- ${item.kind} \`${item.key}\`: ${item.message.replace(/\s+/g, ' ')}`), '');
  }
  return parts.join('\n');
}
