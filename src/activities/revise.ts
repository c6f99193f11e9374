/**
 * Revise stage: the LLM judges every candidate (right label, a complete grammatical sample, the
 * target language), many at a time. The verdict is read from the start of the reply; anything
 * but a leading "yes" rejects. Rejects are kept with their verdict and the judge's reason.
 *
 * Candidates are judged at the provider's concurrency (`revision.concurrency` is no longer
 * read: it stays in the schema so that existing configs parse and keep their data-product keys).
 * Each verdict is one appended line of `judgements.jsonl` as it arrives, so a retry judges only
 * what is left; a `judgements.json` of the older whole-file format is read once and turned into lines.
 */
import { readFile, rm } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { pairForJudge } from '../stages/text-pairs';
import { z } from 'zod';
import { openAppendLog } from '../artifacts/append-log';
import { getLanguage } from '../data/languages';
import { isInExpectedScript } from '../stages/script-check';
import { parseJudgeVerdict } from '../stages/verdict';
import { generatorIdentity } from '../config/plan';
import { hashOf } from '../shared/hash';
import { usageOfRequests, type RequestCost } from '../shared/usage';
import { candidateSchema, countByLabel } from './rows';
import { reviseInputSchema, reviseOutputSchema, type ReviseInput, type ReviseOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { heartbeatOnFault } from './fault-heartbeat';
import { keepInFlight } from './keep-in-flight';
import { loadPromptTemplate } from './prompt-files';
import { templateMessages } from './prompt-messages';

const judgementSchema = z.object({
  verdict: z.enum(['yes', 'no', 'unparsed', 'wrong_script']),
  reason: z.string(),
  reply: z.string(),
});
type Judgement = z.infer<typeof judgementSchema>;
/**
 * A line of `judgements.jsonl`: one candidate's verdict, with the judge request's tokens and the
 * milliseconds it waited on the backend (none for a candidate the script check rejected; absent in
 * lines written before they were recorded).
 */
const judgementLineSchema = judgementSchema.extend({
  id: z.string(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }).optional(),
  backendMs: z.number().optional(),
});
type JudgementLine = z.infer<typeof judgementLineSchema>;

/** The verdicts in a `judgements.json` of the older format (one object rewritten as verdicts came in). */
export async function readOldJudgements(path: string): Promise<JudgementLine[] | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const old = z.record(z.string(), judgementSchema).parse(JSON.parse(text));
  return Object.entries(old).map(([id, judgement]) => ({ id, ...judgement }));
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
    const workDir = deps.store.workDir('revise', cacheKey);
    const oldProgressPath = join(workDir, 'judgements.json');
    const log = await openAppendLog(join(workDir, 'judgements.jsonl'), judgementLineSchema, { migrate: () => readOldJudgements(oldProgressPath) });
    await rm(oldProgressPath, { force: true });
    const judgements = new Map<string, Judgement>();
    /** What each judged candidate's request took, by id: the lines a crashed attempt left included. */
    const costs = new Map<string, RequestCost>();
    for (const { id, usage, backendMs, ...judgement } of log.entries) {
      if (judgements.has(id)) continue;
      judgements.set(id, judgement);
      if (usage) costs.set(id, { usage, backendMs });
    }
    const context = Context.current();
    // Every request in flight or waiting for a slot listens to the activity's cancellation.
    setMaxListeners(2 * model.concurrency + 10, context.cancellationSignal);
    let llmCalls = 0;
    const onFault = heartbeatOnFault(context, () => ({ judged: judgements.size, total: candidates.length }));

    const judge = async (candidate: (typeof candidates)[number]): Promise<void> => {
      let judgement: Judgement;
      let cost: RequestCost | undefined;
      // A cheap script check first: text in the wrong writing system never reaches the judge.
      if (![candidate.text, candidate.textPair].every((text) => text === undefined || isInExpectedScript(text, language.script))) {
        judgement = { verdict: 'wrong_script', reason: `not written in ${language.script} script`, reply: '' };
      } else {
        const messages = templateMessages(loaded, {
          language: language.name,
          script: language.script,
          task: input.taskDescription ?? spec.task,
          labelKind: spec.labelKind,
          label: candidate.label,
          labelDescription: descriptions[candidate.label] ?? '',
          // A pair is shown whole, each text on its own named line.
          candidate: candidate.textPair === undefined ? candidate.text : pairForJudge({ text: candidate.text, textPair: candidate.textPair }),
        });
        const reply = await model.complete({ messages, sampling: input.revision.sampling, signal: context.cancellationSignal, onFault });
        llmCalls += 1;
        const parsed = parseJudgeVerdict(reply.text);
        judgement = { verdict: parsed.verdict, reason: parsed.reason, reply: reply.text };
        cost = { usage: reply.usage, backendMs: Math.round(reply.backendMs) };
      }
      await log.append({ id: candidate.id, ...judgement, ...cost });
      judgements.set(candidate.id, judgement);
      if (cost) costs.set(candidate.id, cost);
      context.heartbeat({ judged: judgements.size, total: candidates.length });
    };

    const pending = candidates.filter((candidate) => !judgements.has(candidate.id));
    let next = 0;
    try {
      await keepInFlight(model.concurrency, () => {
        const candidate = pending[next];
        if (!candidate) return undefined;
        next += 1;
        return () => judge(candidate);
      });
    } finally {
      await log.close();
    }

    // Accepted rows keep the judge's verdict too: a row's provenance names every verdict it received.
    const accepted = candidates.filter((candidate) => judgements.get(candidate.id)?.verdict === 'yes').map((candidate) => ({ ...candidate, judge: judgements.get(candidate.id) }));
    const rejected = candidates
      .filter((candidate) => judgements.get(candidate.id)?.verdict !== 'yes')
      .map((candidate) => ({ ...candidate, ...judgements.get(candidate.id) }));

    const output: ReviseOutput = {
      accepted: await deps.store.putJsonl(accepted),
      rejects: await deps.store.putJsonl(rejected),
      rejectedByLabel: countByLabel(rejected),
      llmCalls,
      usage: usageOfRequests(candidates.flatMap((candidate) => costs.get(candidate.id) ?? [])),
    };
    await deps.store.record('revise', cacheKey, { ...output, llmCalls: 0 });
    return output;
  };
}
