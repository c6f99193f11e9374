/**
 * Translate stage of a translated data product (translate-train): the translator LLM translates
 * the task's source train rows, or another product's kept rows, into the target language, a
 * numbered batch of `textsPerRequest` rows per request, through the provider's limiter and fault
 * retry like generation. Each finished request is one appended line of `requests.jsonl` in the
 * activity's work folder, so a retry sends only the requests that were not finished.
 *
 * A row keeps its label and says where it came from: `origin {kind: translation, sourceRowId,
 * requestIndex}`. A translation that is missing or garbled in the reply, empty, a copy of its
 * source, or not in the target language's script is dropped and counted by reason.
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { openAppendLog } from '../artifacts/append-log';
import { sha256Of } from '../artifacts/store';
import { generatorIdentity } from '../config/plan';
import { getLanguage, type LanguageInfo, type ScriptName } from '../data/languages';
import type { ChatMessage } from '../llm/types';
import { DataError, readSplit } from '../data/readers';
import { selectBalanced } from '../stages/select';
import { checkTranslation, numberedItems, parseNumberedTranslations, TRANSLATION_DROP_REASONS, type TranslationDropReason, type TranslationItem } from '../stages/translation';
import { hashOf } from '../shared/hash';
import { usageOfRequests } from '../shared/usage';
import type { ActivityDeps } from './deps';
import { heartbeatOnFault } from './fault-heartbeat';
import { keepInFlight } from './keep-in-flight';
import { loadPromptTemplate, type LoadedTemplate } from './prompt-files';
import { templateMessages } from './prompt-messages';
import { countByLabel } from './rows';
import { annotatedRowSchema } from './study-d-rows';
import { translateRowsInputSchema, translateRowsOutputSchema, type TranslateRowsInput, type TranslateRowsOutput } from './translate-contracts';

/** A row to translate, as it is hashed and sent. */
interface SourceRow {
  id: string;
  text: string;
  textPair?: string;
  label: string;
  /** Where the row's label came from: `gold` for the source split, the product row's own otherwise. */
  labelSource: string;
}

const requestLineSchema = z.object({
  index: z.number().int().nonnegative(),
  rowIds: z.array(z.string()),
  messages: z.array(z.object({ role: z.string(), content: z.string() })),
  reply: z.string(),
  finishReason: z.string(),
  model: z.string(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
  backendMs: z.number(),
});
type RequestLine = z.infer<typeof requestLineSchema>;

async function sourceRowsOf(deps: ActivityDeps, input: TranslateRowsInput): Promise<SourceRow[]> {
  const { from, dataset } = input;
  if (from.kind === 'product') {
    const rows = await deps.store.readJsonl(from.dataset, annotatedRowSchema);
    return rows.map((row) => {
      const pair = row.text_pair ?? row.textPair;
      return { id: row.id, text: row.text, ...(pair === undefined ? {} : { textPair: pair }), label: row.label, labelSource: typeof row['labelSource'] === 'string' ? row['labelSource'] : 'prompt' };
    });
  }
  const examples = await readSplit(dataset, { dataRoot: input.dataRoot, language: input.sourceLanguage, split: from.split });
  const chosen = from.perLabel === undefined ? examples : selectBalanced(examples, { perLabel: from.perLabel, seed: from.seed, labels: [...dataset.labels] }).selected;
  return chosen.map((example) => ({ id: example.id, text: example.text, ...(example.textPair === undefined ? {} : { textPair: example.textPair }), label: example.label, labelSource: 'gold' }));
}

/** The chat messages of one translation request: the template with the languages and the numbered batch. */
export function translationMessages(loaded: LoadedTemplate, languages: { source: LanguageInfo; target: LanguageInfo }, batch: readonly TranslationItem[], pairs: boolean): ChatMessage[] {
  return templateMessages(loaded, {
    sourceLanguage: languages.source.name,
    sourceScript: languages.source.script,
    targetLanguage: languages.target.name,
    targetScript: languages.target.script,
    count: batch.length,
    items: numberedItems(batch),
    pairs: pairs ? 'yes' : '',
  });
}

export type TranslationOutcome = { kind: 'translated'; text: string; textPair?: string } | { kind: 'dropped'; reason: TranslationDropReason; line?: string };

/** Each row of a batch with its translation from the reply, or the reason it is dropped (parse, then the copy and script checks). */
export function translationOutcomes(batch: readonly TranslationItem[], reply: { text: string; finishReason: string }, pairs: boolean, targetScript: ScriptName): TranslationOutcome[] {
  const parsed = parseNumberedTranslations(reply.text, batch.length, { pairs, finishReason: reply.finishReason });
  return batch.map((row, position): TranslationOutcome => {
    const result = parsed[position];
    if (result === undefined) return { kind: 'dropped', reason: 'garbled' };
    if (result.kind === 'dropped') return result;
    const reason = checkTranslation(row, result, targetScript);
    return reason === undefined ? result : { kind: 'dropped', reason, line: result.textPair === undefined ? result.text : `${result.text} ||| ${result.textPair}` };
  });
}

function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

export function createTranslateActivity(deps: ActivityDeps) {
  return async function translateRows(rawInput: TranslateRowsInput): Promise<TranslateRowsOutput> {
    const input = translateRowsInputSchema.parse(rawInput);
    const loaded = await loadPromptTemplate(input.translation.prompt);
    if (loaded.sha256 !== input.translation.promptSha256) {
      throw ApplicationFailure.create({
        type: 'ConfigError',
        nonRetryable: true,
        message: `translation prompt ${loaded.path} has sha256 ${loaded.sha256}, the plan was made for ${input.translation.promptSha256}; the file changed since, so plan the sweep again`,
      });
    }
    const rows = await sourceRowsOf(deps, input);
    if (rows.length === 0) throw new DataError(`nothing to translate for ${input.productKey}: the source has no rows`);
    const pairs = input.dataset.columns.textPair !== undefined;
    const sourceRowsSha256 = sha256Of(JSON.stringify(rows.map(({ id, text, textPair, label }) => [id, text, textPair ?? null, label])));
    const { productKey: _productKey, translator, from, ...affecting } = input;
    // The rows by their hash, not by where they came from: the same rows translate once.
    const cacheKey = hashOf({ ...affecting, from: { kind: from.kind }, sourceRowsSha256, translator: generatorIdentity(translator) });
    const cached = await deps.store.lookup('translate', cacheKey, translateRowsOutputSchema);
    if (cached) return { ...cached, llmCalls: 0 };

    const source = getLanguage(input.sourceLanguage);
    const target = getLanguage(input.targetLanguage);
    const model = deps.models.get(translator.provider);
    const log = await openAppendLog(join(deps.store.workDir('translate', cacheKey), 'requests.jsonl'), requestLineSchema);
    const finished = new Map<number, RequestLine>();
    for (const line of log.entries) if (!finished.has(line.index)) finished.set(line.index, line);
    const batches = batchesOf(rows, input.translation.textsPerRequest);
    const context = Context.current();
    setMaxListeners(2 * model.concurrency + 10, context.cancellationSignal);
    const onFault = heartbeatOnFault(context, () => ({ requests: finished.size, total: batches.length }));
    let llmCalls = 0;

    const translateBatch = async (index: number): Promise<void> => {
      const batch = batches[index] as SourceRow[];
      const messages = translationMessages(loaded, { source, target }, batch, pairs);
      const reply = await model.complete({ messages, sampling: input.translation.sampling, signal: context.cancellationSignal, onFault });
      llmCalls += 1;
      const line: RequestLine = {
        index,
        rowIds: batch.map((row) => row.id),
        messages,
        reply: reply.text,
        finishReason: reply.finishReason,
        model: reply.model,
        usage: { promptTokens: reply.usage.promptTokens, completionTokens: reply.usage.completionTokens },
        backendMs: Math.round(reply.backendMs),
      };
      await log.append(line);
      finished.set(index, line);
      context.heartbeat({ requests: finished.size, total: batches.length });
    };

    const pending = batches.map((_, index) => index).filter((index) => !finished.has(index));
    let next = 0;
    try {
      await keepInFlight(model.concurrency, () => {
        const index = pending[next];
        if (index === undefined) return undefined;
        next += 1;
        return () => translateBatch(index);
      });
    } finally {
      await log.close();
    }

    const candidates: Record<string, unknown>[] = [];
    const dropped: Record<string, unknown>[] = [];
    const droppedByReason = Object.fromEntries(TRANSLATION_DROP_REASONS.map((reason) => [reason, 0])) as Record<TranslationDropReason, number>;
    batches.forEach((batch, index) => {
      const request = finished.get(index) as RequestLine;
      const outcomes = translationOutcomes(batch, { text: request.reply, finishReason: request.finishReason }, pairs, target.script);
      batch.forEach((row, position) => {
        const result = outcomes[position] as TranslationOutcome;
        if (result.kind === 'dropped') {
          droppedByReason[result.reason] += 1;
          dropped.push({ ...row, reason: result.reason, requestIndex: index, ...(result.line === undefined ? {} : { line: result.line }) });
          return;
        }
        candidates.push({
          id: row.id,
          label: row.label,
          text: result.text,
          ...(result.textPair === undefined ? {} : { textPair: result.textPair }),
          labelSource: row.labelSource,
          origin: { kind: 'translation', sourceRowId: row.id, requestIndex: index, ...(from.kind === 'product' ? { sourceProductKey: from.productKey } : {}) },
        });
      });
    });
    const requestLines = [...finished.values()].sort((left, right) => left.index - right.index);
    const output: TranslateRowsOutput = {
      candidates: await deps.store.putJsonl(candidates),
      requests: await deps.store.putJsonl(requestLines),
      dropped: await deps.store.putJsonl(dropped),
      demos: await deps.store.putJson({}),
      sourceRowsSha256,
      sourceRows: rows.length,
      translatedByLabel: countByLabel(candidates as { label: string }[]),
      droppedByLabel: countByLabel(dropped as { label: string }[]),
      droppedByReason,
      llmCalls,
      usage: usageOfRequests(requestLines),
    };
    await deps.store.record('translate', cacheKey, { ...output, llmCalls: 0 });
    return output;
  };
}
