/** File names inside a report folder. Pure. */
import { safeFileSegment } from '../shared/file-names';

/**
 * `confusion/<cell-key>.<first 8 hex of the metrics sha256>.svg`: named by the metrics artifact,
 * so a rerun of a cell that produced different metrics writes a new image beside the old one.
 */
export function confusionFileName(cellKey: string, metricsSha256: string): string {
  if (!/^[0-9a-f]{8,}$/.test(metricsSha256)) throw new Error(`not a sha256: "${metricsSha256}"`);
  return `${safeFileSegment(cellKey)}.${metricsSha256.slice(0, 8)}.svg`;
}

export function resultsMarkdownFileName(task: string): string {
  return `results-${safeFileSegment(task)}.md`;
}
