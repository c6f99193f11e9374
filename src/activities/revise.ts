/**
 * Revise stage: the LLM judges every candidate (right label, a complete grammatical sample, the
 * target language), many at a time. The verdict is read from the start of the reply; anything
 * but a leading "yes" rejects. Rejects are kept with their verdict and the judge's reason.
 * Verdicts are saved as they arrive, so a retry judges only what is left.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { writeFileAtomic } from '../artifacts/store';
import { getLanguage } from '../data/languages';
import { isInExpectedScript } from '../stages/script-check';
import { parseJudgeVerdict } from '../stages/verdict';
import { generatorIdentity } from '../config/plan';
import { hashOf } from '../shared/hash';
import { candidateSchema, countByLabel } from './rows';
import { reviseInputSchema, reviseOutputSchema, type ReviseInput, type ReviseOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { loadPromptTemplate } from './prompt-files';
import { templateMessages } from './prompt-messages';

const judgementSchema = z.object({
  verdict: z.enum(['yes', 'no', 'unparsed', 'wrong_script']),
  reason: z.string(),
  reply: z.string(),
});
type Judgement = z.infer<typeof judgementSchema>;
const judgementsSchema = z.record(z.string(), judgementSchema);

/** Runs `work` over items with at most `limit` in flight. */
async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

export function createReviseActivity(deps: ActivityDeps) {
  return async function reviseSamples(rawInput: ReviseInput): Promise<ReviseOutput> {
    const input = reviseInputSchema.parse(rawInput);
    const loaded = await loadPromptTemplate(input.revision.prompt);
    const { productKey: _productKey, revision: { concurrency: _concurrency, ...revision }, ...affecting } = input;
    const cacheKey = hashOf({ ...affecting, revision, generator: generatorIdentity(input.generator), template: loaded.sha256 });
    const cached = await deps.store.lookup('revise', cacheKey, reviseOutputSchema);
    if (cached) return { ...cached, llmCalls: 0 };

    const candidates = await deps.store.readJsonl(input.candidates, candidateSchema);
    const language = getLanguage(input.language);
    const spec = input.dataset;
    const descriptions = input.labelDescriptions ? await deps.store.readJson(input.labelDescriptions, z.record(z.string(), z.string())) : {};
    const model = deps.models.get(input.generator.provider);
    const progressPath = join(deps.store.workDir('revise', cacheKey), 'judgements.json');
    const progressText = await readFile(progressPath, 'utf8').catch(() => undefined);
    const judgements: Record<string, Judgement> = progressText ? judgementsSchema.parse(JSON.parse(progressText)) : {};
    const context = Context.current();
    let llmCalls = 0;
    let sinceSave = 0;

    const pending = candidates.filter((candidate) => !(candidate.id in judgements));
    await forEachConcurrently(pending, input.revision.concurrency, async (candidate) => {
      // A cheap script check first: text in the wrong writing system never reaches the judge.
      if (!isInExpectedScript(candidate.text, language.script)) {
        judgements[candidate.id] = { verdict: 'wrong_script', reason: `not written in ${language.script} script`, reply: '' };
        return;
      }
      const messages = templateMessages(loaded, {
        language: language.name,
        script: language.script,
        task: input.taskDescription ?? spec.task,
        labelKind: spec.labelKind,
        label: candidate.label,
        labelDescription: descriptions[candidate.label] ?? '',
        candidate: candidate.text,
      });
      const reply = await model.complete({ messages, sampling: input.revision.sampling, signal: context.cancellationSignal });
      llmCalls += 1;
      const parsed = parseJudgeVerdict(reply.text);
      judgements[candidate.id] = { verdict: parsed.verdict, reason: parsed.reason, reply: reply.text };
      sinceSave += 1;
      if (sinceSave >= 8) {
        sinceSave = 0;
        await writeFileAtomic(progressPath, JSON.stringify(judgements));
      }
      context.heartbeat({ judged: Object.keys(judgements).length, total: candidates.length });
    });
    await writeFileAtomic(progressPath, JSON.stringify(judgements));

    const accepted = candidates.filter((candidate) => judgements[candidate.id]?.verdict === 'yes');
    const rejected = candidates
      .filter((candidate) => judgements[candidate.id]?.verdict !== 'yes')
      .map((candidate) => ({ ...candidate, ...judgements[candidate.id] }));

    const output: ReviseOutput = {
      accepted: await deps.store.putJsonl(accepted),
      rejects: await deps.store.putJsonl(rejected),
      rejectedByLabel: countByLabel(rejected),
      llmCalls,
    };
    await deps.store.record('revise', cacheKey, { ...output, llmCalls: 0 });
    return output;
  };
}
