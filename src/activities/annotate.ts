/**
 * Annotate stage: gives every kept sample its label and records where the label came from.
 * Here the label is the one the prompt asked for; annotator models plug in at this stage.
 */
import { annotateInputSchema, type AnnotateInput, type AnnotateOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { candidateSchema, countByLabel, type SyntheticRow } from './rows';

export function createAnnotateActivity(deps: ActivityDeps) {
  return async function annotateSamples(rawInput: AnnotateInput): Promise<AnnotateOutput> {
    const input = annotateInputSchema.parse(rawInput);
    const samples = await deps.store.readJsonl(input.samples, candidateSchema);
    const rows: SyntheticRow[] = samples.map((sample) => ({
      id: `${input.productKey}/${sample.id}`,
      text: sample.text,
      ...(sample.textPair === undefined ? {} : { textPair: sample.textPair }),
      label: sample.label,
      labelSource: 'prompt',
      generator: input.generatorName,
    }));
    return { dataset: await deps.store.putJsonl(rows), keptByLabel: countByLabel(rows) };
  };
}
