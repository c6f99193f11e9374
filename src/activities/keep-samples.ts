/**
 * Keep stage of a product that generates in rounds until each label has its quota of kept
 * samples. Every round, the round's accepted samples are deduped together with all samples kept
 * in earlier rounds, and against the test split and the demos (no leakage); then each label keeps
 * at most its quota, earlier rounds' samples first, so a round never displaces them. What a round
 * removes (duplicates, leaks, samples over the quota) and what the judge rejected join the ledger.
 *
 * Inputs: the round's samples and judge rejects, the previous ledger. Outputs: the grown ledger
 * (three JSONL artifacts) and counts over all rounds. Deterministic, so a retry redoes the same.
 */
import { z } from 'zod';
import { readSplit } from '../data/readers';
import { dedupeSamples } from '../stages/dedupe';
import { keepSamplesInputSchema, type KeepSamplesInput, type KeepSamplesOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { candidateSchema, countByLabel, type Candidate } from './rows';

const demosSchema = z.record(z.string(), z.array(z.object({ text: z.string(), textPair: z.string().optional() }).loose()));
const removedRowSchema = candidateSchema.extend({ reason: z.string() });

/** The reason recorded for an accepted, unique sample that came after its label's quota was full. */
export const OVER_QUOTA = 'over_quota';

/** The one label an unlabelled product's samples are deduped under. */
const UNLABELLED_SLOT = '\u0000unlabelled';

export function createKeepSamplesActivity(deps: ActivityDeps) {
  return async function keepSamples(rawInput: KeepSamplesInput): Promise<KeepSamplesOutput> {
    const input = keepSamplesInputSchema.parse(rawInput);
    const { previous } = input;
    const [previousKept, previousRemoved, previousRejects] = previous
      ? await Promise.all([
          deps.store.readJsonl(previous.kept, candidateSchema),
          deps.store.readJsonl(previous.removed, removedRowSchema),
          deps.store.readJsonl(previous.rejects, candidateSchema),
        ])
      : [[], [], []];
    const roundSamples = await deps.store.readJsonl(input.samples, candidateSchema);
    const roundRejects = input.rejects ? await deps.store.readJsonl(input.rejects, candidateSchema) : [];
    const demos = await deps.store.readJson(input.demos, demosSchema);
    const test = await readSplit(input.dataset, { dataRoot: input.dataRoot, language: input.language, split: 'test' });

    // Unlabelled products dedupe as one label (the slots), then each kept sample gets its slot back.
    const candidates = [...previousKept, ...roundSamples];
    const slotOf = new Map(candidates.map((sample) => [sample.id, sample.label]));
    const withSlots = <Sample extends Candidate>(sample: Sample): Sample => (input.unlabelled === true ? { ...sample, label: slotOf.get(sample.id) ?? sample.label } : sample);
    const dedupedAsOne = dedupeSamples(input.unlabelled === true ? candidates.map((sample) => ({ ...sample, label: UNLABELLED_SLOT })) : candidates, {
      against: [
        ...test.map((example) => ({ text: example.text, textPair: example.textPair, source: 'test' as const })),
        ...Object.values(demos).flatMap((list) => list.map((demo) => ({ text: demo.text, textPair: demo.textPair, source: 'demo' as const }))),
      ],
      nearDuplicates: input.nearDuplicates,
    });
    const deduped = {
      kept: dedupedAsOne.kept.map(withSlots),
      removed: dedupedAsOne.removed.map((removal) => ({ ...removal, sample: withSlots(removal.sample) })),
    };
    const kept: Candidate[] = [];
    const overQuota: Candidate[] = [];
    const keptSoFar: Record<string, number> = {};
    for (const sample of deduped.kept) {
      const count = keptSoFar[sample.label] ?? 0;
      if (count < input.quotaPerLabel) {
        kept.push(sample);
        keptSoFar[sample.label] = count + 1;
      } else {
        overQuota.push(sample);
      }
    }
    const removedThisRound = deduped.removed.map((removal) => ({ ...removal.sample, reason: removal.reason, duplicateOf: removal.duplicateOf, similarity: removal.similarity }));
    const removed = [...previousRemoved, ...removedThisRound, ...overQuota.map((sample) => ({ ...sample, reason: OVER_QUOTA }))];
    const rejects = [...previousRejects, ...roundRejects];

    const everyLabel = (counts: Record<string, number>) => Object.fromEntries(input.dataset.labels.map((label) => [label, counts[label] ?? 0]));
    return {
      ledger: {
        kept: await deps.store.putJsonl(kept),
        removed: await deps.store.putJsonl(removed),
        rejects: await deps.store.putJsonl(rejects),
      },
      keptByLabel: everyLabel(countByLabel(kept)),
      removedAsDuplicatesByLabel: everyLabel(countByLabel(removed.filter((row) => row.reason !== OVER_QUOTA))),
      overQuotaByLabel: everyLabel(countByLabel(removed.filter((row) => row.reason === OVER_QUOTA))),
      rejectedByJudgeByLabel: everyLabel(countByLabel(rejects)),
    };
  };
}
