/**
 * Generate stage: for each label, ask the LLM for samples in the target language until the
 * label's target of unique samples is met or the request cap is reached (a shortfall is
 * recorded, never an endless loop). Every request is kept with its prompt, parameters, raw
 * reply and usage. Progress is saved after each request, so a retried activity resumes after
 * the last finished request instead of starting over.
 *
 * A product that generates in rounds (until its quota of kept samples is met) passes the state
 * the previous round left and cumulative targets: the round continues that state (request
 * indices, and so sampling seeds, go on; a text seen in any round is not a new sample), returns
 * only its own new candidates, and leaves the grown state for the next round.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { writeFileAtomic } from '../artifacts/store';
import { getLanguage } from '../data/languages';
import { readSplit, type Example } from '../data/readers';
import type { ChatMessage, LanguageModel } from '../llm/types';
import { sampleDemos } from '../stages/demos';
import { normalizeForDedupe } from '../stages/normalize';
import { parseGeneratedLines } from '../stages/parse-generations';
import { generatorIdentity } from '../config/plan';
import { compareText } from '../shared/compare';
import { hashOf } from '../shared/hash';
import { generateInputSchema, generateOutputSchema, type GenerateInput, type GenerateOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { loadPromptTemplate, type LoadedTemplate } from './prompt-files';
import { templateMessages } from './prompt-messages';

const requestRecordSchema = z.object({
  label: z.string(),
  requestIndex: z.number().int(),
  messages: z.array(z.object({ role: z.string(), content: z.string() })),
  demosUsed: z.number().int(),
  model: z.string(),
  sampling: z.record(z.string(), z.unknown()),
  reply: z.string(),
  finishReason: z.string(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
  parsed: z.number().int(),
  newUnique: z.number().int(),
});
type RequestRecord = z.infer<typeof requestRecordSchema>;

const labelProgressSchema = z.object({
  requests: z.number().int(),
  parsed: z.number().int(),
  samples: z.array(z.object({ text: z.string(), requestIndex: z.number().int() })),
});
const progressSchema = z.object({ labels: z.record(z.string(), labelProgressSchema), requests: z.array(requestRecordSchema) });
type Progress = z.infer<typeof progressSchema>;

function sortRequests(requests: readonly RequestRecord[]): RequestRecord[] {
  return [...requests].sort((left, right) => compareText(left.label, right.label) || left.requestIndex - right.requestIndex);
}

async function readProgress(path: string): Promise<Progress | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : progressSchema.parse(JSON.parse(text));
}

export interface PromptParts {
  languageName: string;
  script: string;
  taskDescription: string;
  labelKind: string;
  label: string;
  labelDescription: string;
  count: number;
}

/** The generation request for one label: the template filled with the language, label, description and demos. */
export function buildMessages(loaded: LoadedTemplate, parts: PromptParts, demos: readonly Example[]): ChatMessage[] {
  return templateMessages(loaded, {
    language: parts.languageName,
    script: parts.script,
    task: parts.taskDescription,
    labelKind: parts.labelKind,
    label: parts.label,
    labelDescription: parts.labelDescription,
    n: parts.count,
    examples: demos.map((demo) => demo.text),
  });
}

/** Drops demos from the end until prompt plus reply fit the model's context. */
async function fitToContext(
  model: LanguageModel,
  loaded: LoadedTemplate,
  parts: PromptParts,
  demos: readonly Example[],
  maxTokens: number,
): Promise<{ messages: ChatMessage[]; demosUsed: number }> {
  const budget = (model.contextSize ?? Number.POSITIVE_INFINITY) - maxTokens - 32;
  for (let used = demos.length; used >= 0; used -= 1) {
    const messages = buildMessages(loaded, parts, demos.slice(0, used));
    const tokens = await model.countTokens(messages.map((message) => message.content).join('\n'));
    if (tokens <= budget) return { messages, demosUsed: used };
  }
  throw new Error(`the prompt for label "${parts.label}" does not fit the model's context even without demos`);
}

export function createGenerateActivity(deps: ActivityDeps) {
  return async function generateSamples(rawInput: GenerateInput): Promise<GenerateOutput> {
    const input = generateInputSchema.parse(rawInput);
    const { generation } = input;
    const loaded = await loadPromptTemplate(input.promptFile);
    const { productKey: _productKey, previous, ...affecting } = input;
    // The previous round's state counts by its content, not by where this store keeps it.
    const cacheKey = hashOf({ ...affecting, previous: previous?.sha256, generator: generatorIdentity(input.generator), template: loaded.sha256 });
    const cached = await deps.store.lookup('generate', cacheKey, generateOutputSchema);
    if (cached) return { ...cached, llmCalls: 0 };

    const spec = input.dataset;
    const language = getLanguage(input.language);
    const demoLanguage = input.demos === 'english' ? 'en' : input.language;
    const train = input.demos === 'none' ? [] : await readSplit(spec, { dataRoot: input.dataRoot, language: demoLanguage, split: 'train' });
    const descriptions = input.labelDescriptions ? await deps.store.readJson(input.labelDescriptions, z.record(z.string(), z.string())) : {};
    const model = deps.models.get(input.generator.provider);
    const workDir = deps.store.workDir('generate', cacheKey);
    const progressPath = join(workDir, 'progress.json');
    const before: Progress = previous ? await deps.store.readJson(previous, progressSchema) : { labels: {}, requests: [] };
    const progress = (await readProgress(progressPath)) ?? structuredClone(before);
    const targetOf = (label: string) => input.uniqueTargetByLabel?.[label] ?? generation.samplesPerLabel;
    const context = Context.current();
    let llmCalls = 0;
    let failed = false;

    const demosByLabel: Record<string, Example[]> = {};
    // Labels run concurrently; the provider's own limiter bounds the requests in flight.
    const generateLabel = async (label: string): Promise<void> => {
      const demos =
        input.demos === 'none'
          ? []
          : sampleDemos(train, { label, count: generation.demosPerLabel, seed: generation.demoSeed, maxWords: generation.demoMaxWords });
      demosByLabel[label] = demos;
      const state = (progress.labels[label] ??= { requests: 0, parsed: 0, samples: [] });
      const seen = new Set(state.samples.map((sample) => normalizeForDedupe(sample.text)));
      const parts: PromptParts = {
        languageName: language.name,
        script: language.script,
        taskDescription: input.taskDescription ?? spec.task,
        labelKind: spec.labelKind,
        label,
        labelDescription: descriptions[label] ?? '',
        count: generation.samplesPerRequest,
      };
      while (!failed && state.samples.length < targetOf(label) && state.requests < generation.maxRequestsPerLabel) {
        const { messages, demosUsed } = await fitToContext(model, loaded, parts, demos, generation.sampling.maxTokens);
        const requestIndex = state.requests;
        const sampling = { ...generation.sampling, seed: (generation.sampling.seed ?? generation.demoSeed) * 100_003 + requestIndex };
        const reply = await model.complete({ messages, sampling, signal: context.cancellationSignal });
        llmCalls += 1;
        // Once the attempt has failed, the retry owns the progress file: a late reply is not written.
        if (failed) return;
        const parsed = parseGeneratedLines(reply.text, { minChars: generation.minChars, maxChars: generation.maxChars, finishReason: reply.finishReason });
        let newUnique = 0;
        for (const text of parsed.kept) {
          const normalized = normalizeForDedupe(text);
          if (seen.has(normalized) || state.samples.length >= targetOf(label)) continue;
          seen.add(normalized);
          state.samples.push({ text, requestIndex });
          newUnique += 1;
        }
        state.requests += 1;
        state.parsed += parsed.kept.length;
        progress.requests.push({
          label,
          requestIndex,
          messages,
          demosUsed,
          model: reply.model,
          sampling,
          reply: reply.text,
          finishReason: reply.finishReason,
          usage: reply.usage,
          parsed: parsed.kept.length,
          newUnique,
        });
        await writeFileAtomic(progressPath, JSON.stringify(progress));
        context.heartbeat({ label, requests: state.requests, unique: state.samples.length });
      }
    };
    // A label's failure fails the attempt; the other labels stop after their request in flight.
    await Promise.all(
      spec.labels.map((label) =>
        generateLabel(label).catch((error: unknown) => {
          failed = true;
          throw error;
        }),
      ),
    );

    const byLabel = (pick: (label: string) => number) => Object.fromEntries(spec.labels.map((label) => [label, pick(label)]));
    const stateOf = (label: string) => progress.labels[label] ?? { requests: 0, parsed: 0, samples: [] };
    // Only this call's samples: the previous rounds' were judged and deduped in their own rounds.
    const candidates = spec.labels.flatMap((label) => {
      const start = before.labels[label]?.samples.length ?? 0;
      return stateOf(label)
        .samples.slice(start)
        .map((sample, offset) => ({ id: `${label}-${start + offset}`, label, text: sample.text, requestIndex: sample.requestIndex }));
    });
    const output: GenerateOutput = {
      candidates: await deps.store.putJsonl(candidates),
      state: await deps.store.put(JSON.stringify(progress), 'json'),
      requests: await deps.store.putJsonl(sortRequests(progress.requests)),
      demos: await deps.store.putJson(demosByLabel),
      requestsByLabel: byLabel((label) => stateOf(label).requests),
      parsedByLabel: byLabel((label) => stateOf(label).parsed),
      uniqueByLabel: byLabel((label) => stateOf(label).samples.length),
      shortfallByLabel: byLabel((label) => Math.max(0, targetOf(label) - stateOf(label).samples.length)),
      llmCalls,
    };
    await deps.store.record('generate', cacheKey, { ...output, llmCalls: 0 });
    return output;
  };
}
