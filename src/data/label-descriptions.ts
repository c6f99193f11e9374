/**
 * A user's label descriptions for the summarized-label strategies: a CSV with one row per label
 * (e.g. ../shared/data/label-descriptions/intent2description.csv). Read by the summarizeLabels
 * activity and checked by the pre-flight; errors name the file, the line and the config's columns
 * and labels, never the file's content.
 */
import { DataError, parseTable } from './readers';

export interface LabelDescriptionColumns {
  labelColumn: string;
  descriptionColumn: string;
}

/** `{label: description}` for every label in `labels`; rows for other labels are ignored. */
export function parseLabelDescriptions(content: Buffer, file: string, columns: LabelDescriptionColumns, labels: readonly string[]): Record<string, string> {
  const [header, ...rows] = parseTable('csv', content, file);
  if (header === undefined) throw new DataError('the file is empty', file, 1);
  const labelIndex = header.fields.indexOf(columns.labelColumn);
  const descriptionIndex = header.fields.indexOf(columns.descriptionColumn);
  if (labelIndex < 0 || descriptionIndex < 0) {
    const missing = [
      ...(labelIndex < 0 ? [`"${columns.labelColumn}" (labelColumn)`] : []),
      ...(descriptionIndex < 0 ? [`"${columns.descriptionColumn}" (descriptionColumn)`] : []),
    ];
    throw new DataError(`missing column ${missing.join(' and ')}: the header has ${header.fields.length} field${header.fields.length === 1 ? '' : 's'}`, file, header.line);
  }
  const descriptions: Record<string, string> = {};
  for (const row of rows) {
    const label = row.fields[labelIndex];
    const description = row.fields[descriptionIndex];
    if (label && description && labels.includes(label)) descriptions[label] = description;
  }
  const missing = labels.filter((label) => !(label in descriptions));
  if (missing.length > 0) throw new DataError(`no description for label(s): ${missing.join(', ')}`, file, 0);
  return descriptions;
}
