/**
 * Dedupe stage: removes normalised exact duplicates within and across labels, and anything that
 * matches a demo or the test split, so no test example leaks into training.
 */
import { z } from 'zod';
import { readSplit } from '../data/readers';
import { dedupeSamples } from '../stages/dedupe';
import { dedupeInputSchema, type DedupeInput, type DedupeOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { candidateSchema, countByLabel } from './rows';

const demosSchema = z.record(z.string(), z.array(z.object({ text: z.string(), textPair: z.string().optional() }).loose()));

export function createDedupeActivity(deps: ActivityDeps) {
  return async function dedupeSamplesActivity(rawInput: DedupeInput): Promise<DedupeOutput> {
    const input = dedupeInputSchema.parse(rawInput);
    const samples = await deps.store.readJsonl(input.samples, candidateSchema);
    const demos = await deps.store.readJson(input.demos, demosSchema);
    const test = await readSplit(input.dataset, { dataRoot: input.dataRoot, language: input.language, split: 'test' });
    const result = dedupeSamples(samples, {
      against: [
        ...test.map((example) => ({ text: example.text, textPair: example.textPair, source: 'test' as const })),
        ...Object.values(demos).flatMap((list) => list.map((demo) => ({ text: demo.text, textPair: demo.textPair, source: 'demo' as const }))),
      ],
      nearDuplicates: input.nearDuplicates,
    });
    return {
      kept: await deps.store.putJsonl(result.kept),
      removed: await deps.store.putJsonl(result.removed.map((removal) => ({ ...removal.sample, reason: removal.reason, duplicateOf: removal.duplicateOf, similarity: removal.similarity }))),
      removedByLabel: countByLabel(result.removed.map((removal) => removal.sample)),
    };
  };
}
