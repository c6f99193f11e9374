/**
 * Annotate stage: gives every kept sample its label and records where the label came from.
 * Here the label is the one the prompt asked for (or the imported file's); annotator models plug in
 * at this stage. Each row keeps its origin: the request that generated it, or the file line it was read from.
 */
import { z } from 'zod';
import { annotateInputSchema, type AnnotateInput, type AnnotateOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { candidateSchema, countByLabel, rowOriginSchema, type Candidate, type RowOrigin, type SyntheticRow } from './rows';

/** The row's provenance: an imported row's own origin, or the request a generated one came from. */
function originOf(sample: Candidate): RowOrigin | undefined {
  const own = rowOriginSchema.safeParse(sample['origin']);
  if (own.success) return own.data;
  const requestIndex = sample['requestIndex'];
  return typeof requestIndex === 'number' ? { kind: 'request', label: sample.label, requestIndex } : undefined;
}

const judgeSchema = z.object({ verdict: z.string(), reason: z.string(), reply: z.string() });

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export function createAnnotateActivity(deps: ActivityDeps) {
  return async function annotateSamples(rawInput: AnnotateInput): Promise<AnnotateOutput> {
    const input = annotateInputSchema.parse(rawInput);
    const samples = await deps.store.readJsonl(input.samples, candidateSchema);
    const rows: SyntheticRow[] = samples.map((sample) => {
      const origin = originOf(sample);
      const metadata = stringRecord(sample['metadata']);
      const judge = judgeSchema.safeParse(sample['judge']);
      return {
        id: `${input.productKey}/${sample.id}`,
        text: sample.text,
        ...(sample.textPair === undefined ? {} : { textPair: sample.textPair }),
        label: sample.label,
        // Imported rows say where their label came from; a generated row's is the prompt's.
        labelSource: typeof sample['labelSource'] === 'string' ? sample['labelSource'] : 'prompt',
        generator: input.generatorName,
        ...(origin === undefined ? {} : { origin }),
        ...(judge.success ? { judge: judge.data } : {}),
        ...(metadata === undefined ? {} : { metadata }),
      };
    });
    return { dataset: await deps.store.putJsonl(rows), keptByLabel: countByLabel(rows) };
  };
}
