/** File names inside a report folder. Pure. */

/** A name safe as one path segment on every OS: letters, digits, `.`, `_`, `+`, `-`; others become `_`. */
export function safeFileSegment(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length > 0 ? cleaned : '_';
}

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

/** `sweep/demo` or `demo` → the workflow id and the plain name. */
export function parseSweepReference(reference: string): { sweepId: string; name: string } {
  const name = reference.startsWith('sweep/') ? reference.slice('sweep/'.length) : reference;
  if (name.length === 0) throw new Error('a sweep name is needed, e.g. `demo` or `sweep/demo`');
  return { sweepId: `sweep/${name}`, name };
}
