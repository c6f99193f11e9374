/**
 * Classify stage (study B): an LLM asked for the label of every test row, zero-shot or with k
 * labelled examples per class from the gold train split. Deterministic decoding (temperature 0);
 * the answer is constrained to the label set where the backend can (a grammar on a local model,
 * guided choice or a JSON schema on a server that opts in), else parsed strictly; an answer
 * outside the labels counts as wrong and its rate is reported.
 *
 * Requests run at the provider's concurrency; each finished one is one appended line of the work
 * folder's `requests.jsonl`, so a retried activity redoes at most those that were in flight.
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { openAppendLog } from '../artifacts/append-log';
import { generatorIdentity } from '../config/plan';
import { getLanguage } from '../data/languages';
import { readSplit, type Example } from '../data/readers';
import { SeededRandom } from '../data/seeded-random';
import type { ChatMessage, SamplingParams } from '../llm/types';
import { parseLabelAnswer, scoreClassifications } from '../stages/classify';
import { selectBalanced } from '../stages/select';
import { formatPairLine } from '../stages/text-pairs';
import { hashOf } from '../shared/hash';
import { classifyInputSchema, classifyOutputSchema, type ClassifyInput, type ClassifyOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { keepInFlight } from './keep-in-flight';
import { loadPromptTemplate } from './prompt-files';
import { templateMessages } from './prompt-messages';

const requestLineSchema = z.strictObject({
  index: z.number().int().nonnegative(),
  id: z.string(),
  gold: z.string(),
  reply: z.string(),
  /** The label the reply names; null when it names none. */
  answer: z.string().nullable(),
  finishReason: z.enum(['stop', 'length', 'other']),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
  model: z.string(),
});
type RequestLine = z.infer<typeof requestLineSchema>;

/** The row as the model reads it: a pair task's two sides on one line. */
function shownText(example: Example): string {
  return example.textPair === undefined ? example.text : formatPairLine({ text: example.text, textPair: example.textPair });
}

/** The test rows scored: the whole split, or a seeded class-balanced subset of `testRows` (split order kept). */
export function testSubset(test: readonly Example[], labels: readonly string[], testRows: number | undefined, seed: number): Example[] {
  if (testRows === undefined || testRows >= test.length) return [...test];
  const perLabel = Math.max(1, Math.floor(testRows / labels.length));
  const chosen = new Set(selectBalanced(test, { perLabel, seed, labels }).selected.map((example) => example.id));
  return test.filter((example) => chosen.has(example.id));
}

/** k examples per class from gold train, seeded, in a seeded order (not grouped by class, which would cue the last label). */
export function inContextExamples(train: readonly Example[], labels: readonly string[], perLabel: number, seed: number): Example[] {
  const { selected, shortfall } = selectBalanced(train, { perLabel, seed, labels });
  const short = Object.entries(shortfall).filter(([, missing]) => missing > 0);
  if (short.length > 0) throw new Error(`in-context examples: gold train has fewer than ${perLabel} rows of ${short.map(([label, missing]) => `"${label}" (${perLabel - missing})`).join(', ')}`);
  return new SeededRandom(`in-context:${seed}`).shuffle(selected);
}

export function createClassifyActivity(deps: ActivityDeps) {
  return async function classifyTestSet(rawInput: ClassifyInput): Promise<ClassifyOutput> {
    const input = classifyInputSchema.parse(rawInput);
    const loaded = await loadPromptTemplate(input.promptFile);
    const { cellKey: _cellKey, classifier, ...affecting } = input;
    const cacheKey = hashOf({ ...affecting, classifier: { ...classifier, provider: generatorIdentity(classifier) }, template: loaded.sha256 });
    const cached = await deps.store.lookup('classify', cacheKey, classifyOutputSchema);
    if (cached) return { ...cached, llmCalls: 0 };

    const spec = input.dataset;
    const labels = spec.labels;
    const language = getLanguage(input.language);
    const test = testSubset(await readSplit(spec, { dataRoot: input.dataRoot, language: input.language, split: 'test' }), labels, classifier.testRows, classifier.seed);
    const examples =
      classifier.mode === 'in-context'
        ? inContextExamples(await readSplit(spec, { dataRoot: input.dataRoot, language: input.language, split: 'train' }), labels, classifier.examplesPerLabel ?? 2, classifier.seed)
        : [];
    const messagesFor = (example: Example): ChatMessage[] =>
      templateMessages(loaded, {
        task: input.taskDescription ?? spec.task,
        labelKind: spec.labelKind,
        labels: [...labels],
        language: language.name,
        text: shownText(example),
        ...(classifier.mode === 'in-context' ? { examples: examples.map((shown) => `Text: ${shownText(shown)}\nAnswer: ${shown.label}`) } : {}),
      });
    const sampling: SamplingParams = { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: classifier.maxTokens, seed: classifier.seed };
    const model = deps.models.get(classifier.provider);
    const context = Context.current();
    setMaxListeners(2 * model.concurrency + 10, context.cancellationSignal);

    const log = await openAppendLog(join(deps.store.workDir('classify', cacheKey), 'requests.jsonl'), requestLineSchema);
    const done = new Map<number, RequestLine>(log.entries.map((line) => [line.index, line]));
    let llmCalls = 0;
    try {
      let next = 0;
      await keepInFlight(model.concurrency, () => {
        while (next < test.length && done.has(next)) next += 1;
        if (next >= test.length) return undefined;
        const index = next;
        next += 1;
        const example = test[index] as Example;
        return async () => {
          const reply = await model.complete({ messages: messagesFor(example), sampling, choices: labels, signal: context.cancellationSignal });
          llmCalls += 1;
          const line: RequestLine = {
            index,
            id: example.id,
            gold: example.label,
            reply: reply.text,
            answer: parseLabelAnswer(reply.text, labels) ?? null,
            finishReason: reply.finishReason,
            usage: reply.usage,
            model: reply.model,
          };
          done.set(index, line);
          await log.append(line);
          context.heartbeat({ done: done.size, of: test.length });
        };
      });
    } finally {
      await log.close();
    }
    const lines = test.map((_, index) => done.get(index) as RequestLine);
    const scores = scoreClassifications(
      lines.map((line) => line.gold),
      lines.map((line) => line.answer ?? undefined),
      labels,
    );
    const metrics = await deps.store.putJson({
      accuracy: scores.accuracy,
      macro_f1: scores.macroF1,
      per_class_f1: scores.perClassF1,
      confusion_matrix: scores.confusion,
      labels,
      n: scores.n,
      out_of_label: scores.outOfLabel,
      out_of_label_rate: scores.outOfLabelRate,
    });
    const output: ClassifyOutput = {
      n: scores.n,
      accuracy: scores.accuracy,
      macroF1: scores.macroF1,
      outOfLabel: scores.outOfLabel,
      outOfLabelRate: scores.outOfLabelRate,
      constraint: model.choiceConstraint ?? 'none',
      metrics,
      requests: await deps.store.putJsonl(lines),
      llmCalls,
    };
    await deps.store.record('classify', cacheKey, { ...output, llmCalls: 0 });
    return output;
  };
}
