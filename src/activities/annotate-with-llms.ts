/**
 * Study C's LLM annotators (CPU queue): each annotator labels every row of a data product, and the
 * calibration rows (gold train rows, seeded and class-balanced) for its agreement with gold. One
 * request per row, temperature 0, the reply constrained to the labels where the backend can (a
 * grammar on a local model, guided choice or a JSON schema on a server that opts in), else parsed
 * strictly; a reply outside the labels is recorded as such. Confidence: the reply's probability
 * from its token log-probabilities, where the backend returns them (OpenAI-compatible servers);
 * absent otherwise (the local GGUF backend).
 *
 * Each annotator's answers are recorded once per (annotator model and prompt, rows, labels), so a
 * product resumed or shared reuses them; finished requests are appended to a work-folder log, so a
 * retried activity redoes at most those in flight. Rows never enter workflow history.
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import { openAppendLog } from '../artifacts/append-log';
import { generatorIdentity } from '../config/plan';
import { getLanguage } from '../data/languages';
import { readSplit } from '../data/readers';
import type { SamplingParams } from '../llm/types';
import { annotatorAgreement, type AnnotatorLabels, type PairAgreement } from '../stages/annotator-agreement';
import { readAnnotatorReply, rebalanceLabels, type AnnotatorAnswer } from '../stages/llm-annotation';
import { selectBalanced } from '../stages/select';
import { formatPairLine } from '../stages/text-pairs';
import { hashOf } from '../shared/hash';
import type { ActivityDeps } from './deps';
import { keepInFlight } from './keep-in-flight';
import { loadPromptTemplate } from './prompt-files';
import { templateMessages } from './prompt-messages';
import { countByLabel, syntheticRowSchema, type SyntheticRow } from './rows';
import {
  annotateWithLlmsInputSchema,
  annotateWithLlmsOutputSchema,
  type AnnotateWithLlmsInput,
  type AnnotateWithLlmsOutput,
  type LlmAnnotationSummary,
} from './study-c-contracts';

/** A text an annotator labels: a product row, or a calibration row with its gold label. */
interface Item {
  id: string;
  text: string;
  textPair?: string | undefined;
  gold?: string;
}

const answerLineSchema = z.strictObject({
  index: z.number().int().nonnegative(),
  id: z.string(),
  reply: z.string(),
  label: z.string().nullable(),
  confidence: z.number().optional(),
  finishReason: z.enum(['stop', 'length', 'other']),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
  model: z.string(),
});
type AnswerLine = z.infer<typeof answerLineSchema>;

const annotatorRecordSchema = z.strictObject({
  answers: z.array(answerLineSchema),
  constraint: z.enum(['grammar', 'guided-choice', 'json-schema', 'none']),
});
type AnnotatorRecord = z.infer<typeof annotatorRecordSchema>;

type Annotator = AnnotateWithLlmsInput['llm']['annotators'][number];

const shownText = (item: Item) => (item.textPair === undefined ? item.text : formatPairLine({ text: item.text, textPair: item.textPair }));

/** Labels every item with one annotator, or reads the answers recorded for exactly these inputs. */
async function annotateItems(deps: ActivityDeps, input: AnnotateWithLlmsInput, annotator: Annotator, items: readonly Item[]): Promise<{ record: AnnotatorRecord; llmCalls: number }> {
  const loaded = await loadPromptTemplate(annotator.prompt);
  const spec = input.dataset;
  const labels = spec.labels;
  // The annotator's name is only how tables show it: two names for one model and prompt share answers.
  const key = hashOf({
    model: generatorIdentity(annotator.generator),
    template: loaded.sha256,
    maxTokens: annotator.maxTokens,
    seed: input.llm.seed,
    task: input.taskDescription ?? spec.task,
    labelKind: spec.labelKind,
    labels,
    language: input.language,
    items: hashOf(items.map((item) => [item.id, item.text, item.textPair ?? null])),
  });
  const cached = await deps.store.lookup('annotate-llm', key, annotatorRecordSchema);
  if (cached) return { record: cached, llmCalls: 0 };

  const language = getLanguage(input.language);
  const model = deps.models.get(annotator.generator.provider);
  const sampling: SamplingParams = { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: annotator.maxTokens, seed: input.llm.seed };
  const context = Context.current();
  setMaxListeners(2 * model.concurrency + 10, context.cancellationSignal);
  const log = await openAppendLog(join(deps.store.workDir('annotate-llm', key), 'answers.jsonl'), answerLineSchema);
  const done = new Map<number, AnswerLine>(log.entries.map((line) => [line.index, line]));
  let llmCalls = 0;
  try {
    let next = 0;
    await keepInFlight(model.concurrency, () => {
      while (next < items.length && done.has(next)) next += 1;
      if (next >= items.length) return undefined;
      const index = next;
      next += 1;
      const item = items[index] as Item;
      return async () => {
        const messages = templateMessages(loaded, { task: input.taskDescription ?? spec.task, labelKind: spec.labelKind, labels: [...labels], language: language.name, text: shownText(item) });
        const reply = await model.complete({ messages, sampling, choices: labels, logprobs: true, signal: context.cancellationSignal });
        llmCalls += 1;
        const answer = readAnnotatorReply(reply.text, labels, reply.logprob);
        const line: AnswerLine = {
          index,
          id: item.id,
          reply: reply.text,
          label: answer.label,
          ...(answer.confidence === undefined ? {} : { confidence: answer.confidence }),
          finishReason: reply.finishReason,
          usage: reply.usage,
          model: reply.model,
        };
        done.set(index, line);
        await log.append(line);
        context.heartbeat({ annotator: annotator.name, done: done.size, of: items.length });
      };
    });
  } finally {
    await log.close();
  }
  const record: AnnotatorRecord = { answers: items.map((_, index) => done.get(index) as AnswerLine), constraint: model.choiceConstraint ?? 'none' };
  await deps.store.record('annotate-llm', key, record);
  return { record, llmCalls };
}

/** NaN (no row both labelled) is not JSON: it travels as null. */
function jsonPair(pair: PairAgreement) {
  return { ...pair, overall: Number.isNaN(pair.overall) ? null : pair.overall, kappa: Number.isNaN(pair.kappa) ? null : pair.kappa };
}

export function createAnnotateWithLlmsActivity(deps: ActivityDeps) {
  return async function annotateWithLlms(rawInput: AnnotateWithLlmsInput): Promise<AnnotateWithLlmsOutput> {
    const input = annotateWithLlmsInputSchema.parse(rawInput);
    const { llm } = input;
    const labels = input.dataset.labels;
    const rows = await deps.store.readJsonl(input.samples, syntheticRowSchema);
    const calibration =
      llm.calibrationPerLabel === 0
        ? []
        : selectBalanced(await readSplit(input.dataset, { dataRoot: input.dataRoot, language: input.language, split: 'train' }), { perLabel: llm.calibrationPerLabel, seed: llm.seed, labels }).selected;
    const items: Item[] = [
      ...rows.map((row) => ({ id: row.id, text: row.text, textPair: row.textPair })),
      ...calibration.map((example) => ({ id: `gold:${example.id}`, text: example.text, textPair: example.textPair, gold: example.label })),
    ];

    let llmCalls = 0;
    const answersBy = new Map<string, AnnotatorRecord>();
    for (const annotator of llm.annotators) {
      const done = await annotateItems(deps, input, annotator, items);
      answersBy.set(annotator.name, done.record);
      llmCalls += done.llmCalls;
    }
    const answerOf = (name: string, index: number): AnnotatorAnswer => {
      const line = answersBy.get(name)?.answers[index];
      if (line === undefined) throw new Error(`annotator ${name} has no answer for row ${index}`);
      return { label: line.label, ...(line.confidence === undefined ? {} : { confidence: line.confidence }) };
    };

    // Every row with every annotator's answer; then the rows that take `labelFrom`'s label.
    const annotatedRows: SyntheticRow[] = rows.map((row, index) => ({ ...row, annotations: Object.fromEntries(llm.annotators.map((annotator) => [annotator.name, answerOf(annotator.name, index)])) }));
    const labelled: SyntheticRow[] = [];
    let droppedOutsideLabels = 0;
    annotatedRows.forEach((row, index) => {
      if (llm.labelFrom === 'prompt') {
        labelled.push(row);
        return;
      }
      const label = answerOf(llm.labelFrom, index).label;
      if (label === null) droppedOutsideLabels += 1;
      else labelled.push({ ...row, label, labelSource: llm.labelFrom });
    });
    const asAnnotatedByLabel = { ...Object.fromEntries(labels.map((label) => [label, 0])), ...countByLabel(labelled) };
    const rebalanced = llm.labelDistribution === 'rebalanced' ? rebalanceLabels(labelled, labels, llm.seed) : undefined;
    const finalRows = rebalanced?.kept ?? labelled;
    if (finalRows.length === 0) {
      const why =
        rows.length === 0
          ? 'the product has no rows to annotate'
          : labelled.length === 0
            ? `annotator ${llm.labelFrom} answered outside the labels (${labels.join(', ')}) for all ${rows.length} rows`
            : `rebalancing left no rows: some label has none (${Object.entries(asAnnotatedByLabel).map(([label, count]) => `${label} ${count}`).join(', ')})`;
      throw ApplicationFailure.create({ type: 'DataError', nonRetryable: true, message: `data product ${input.productKey}: ${why}` });
    }

    const productLabels = (name: string): AnnotatorLabels => ({ name, labels: rows.map((_, index) => answerOf(name, index).label ?? undefined) });
    const onProduct = [...(input.unlabelled ? [] : [{ name: 'prompt', labels: rows.map((row) => row.label) }]), ...llm.annotators.map((annotator) => productLabels(annotator.name))];
    const pairs = onProduct.length > 1 ? annotatorAgreement(onProduct, labels).pairs : [];
    const calibrationStart = rows.length;
    const onCalibration = llm.annotators.map((annotator) => ({ name: annotator.name, labels: calibration.map((_, offset) => answerOf(annotator.name, calibrationStart + offset).label ?? undefined) }));
    const againstGold = calibration.length === 0 ? [] : annotatorAgreement(onCalibration, labels, calibration.map((example) => example.label)).againstGold;

    const annotationLines = items.map((item, index) => ({
      id: item.id,
      ...(item.gold === undefined ? {} : { gold: item.gold }),
      answers: Object.fromEntries(llm.annotators.map((annotator) => [annotator.name, answerOf(annotator.name, index)])),
    }));
    const summary: LlmAnnotationSummary = {
      labelFrom: llm.labelFrom,
      labelDistribution: llm.labelDistribution,
      asAnnotatedByLabel,
      droppedOutsideLabels,
      ...(rebalanced === undefined ? {} : { removedByRebalance: rebalanced.removedByLabel }),
      annotators: llm.annotators.map((annotator) => {
        const record = answersBy.get(annotator.name) as AnnotatorRecord;
        return {
          name: annotator.name,
          constraint: record.constraint,
          outsideLabels: record.answers.slice(0, rows.length).filter((line) => line.label === null).length,
          withConfidence: record.answers.filter((line) => line.confidence !== undefined).length,
          answered: record.answers.length,
        };
      }),
      pairs: pairs.map(jsonPair),
      againstGold: againstGold.map(jsonPair),
      calibrationRows: calibration.length,
      annotations: await deps.store.putJsonl(annotationLines),
    };
    return { dataset: await deps.store.putJsonl(finalRows), keptByLabel: countByLabel(finalRows), summary, llmCalls };
  };
}
