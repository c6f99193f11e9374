/**
 * Generate stage: for each label, ask the LLM for samples in the target language until the
 * label's target of unique samples is met or the request cap is reached (a shortfall is
 * recorded, never an endless loop). Every request is kept with its prompt, parameters, raw
 * reply and usage.
 *
 * Requests run at the provider's concurrency, not one per label: what to send is decided each
 * time a slot frees, label by label in turn, and a label sends as many at once as its deficit
 * needs (src/stages/label-requests.ts: samples are taken in request-index order, so the target
 * is met exactly; a request's index, and so its seed, does not depend on timing). Each finished
 * request is one appended line of `requests.jsonl`, so a retried activity resumes with every
 * finished request and redoes at most those that were in flight. A `progress.json` left by the
 * version that rewrote its whole progress after each request is read once and turned into lines.
 *
 * A product that generates in rounds (until its quota of kept samples is met) passes the state
 * the previous round left and cumulative targets: the round continues that state (request
 * indices, and so sampling seeds, go on; a text seen in any round is not a new sample), returns
 * only its own new candidates, and leaves the grown state for the next round.
 */
import { readFile, rm } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { openAppendLog } from '../artifacts/append-log';
import { getLanguage } from '../data/languages';
import { readSplit, type Example } from '../data/readers';
import type { ChatMessage, LanguageModel } from '../llm/types';
import { sampleDemos } from '../stages/demos';
import { LabelRequests } from '../stages/label-requests';
import { parseGeneratedLines, parseGeneratedPairs } from '../stages/parse-generations';
import { formatPairLine, PAIR_SEPARATOR, splitPairLine } from '../stages/text-pairs';
import type { DatasetSpec } from '../data/dataset-spec';
import { generatorIdentity } from '../config/plan';
import { compareText } from '../shared/compare';
import { hashOf } from '../shared/hash';
import { usageOfRequests } from '../shared/usage';
import { generateInputSchema, generateOutputSchema, type GenerateInput, type GenerateOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { heartbeatOnFault } from './fault-heartbeat';
import { keepInFlight } from './keep-in-flight';
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
  finishReason: z.enum(['stop', 'length', 'other']),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
  /** Milliseconds the request waited on the backend; absent in lines written before it was measured. */
  backendMs: z.number().optional(),
  parsed: z.number().int(),
  newUnique: z.number().int(),
});
type RequestRecord = z.infer<typeof requestRecordSchema>;
/** A line of `requests.jsonl`: a finished request. How many new samples it gave is known only once lower indices are in. */
export const requestLineSchema = requestRecordSchema.omit({ newUnique: true });
type RequestLine = z.infer<typeof requestLineSchema>;

const labelProgressSchema = z.object({
  requests: z.number().int(),
  parsed: z.number().int(),
  samples: z.array(z.object({ text: z.string(), requestIndex: z.number().int() })),
});
/** The state a round leaves for the next (`state` of the output), and the old whole-file progress format. */
const progressSchema = z.object({ labels: z.record(z.string(), labelProgressSchema), requests: z.array(requestRecordSchema) });
type Progress = z.infer<typeof progressSchema>;

function sortRequests(requests: readonly RequestRecord[]): RequestRecord[] {
  return [...requests].sort((left, right) => compareText(left.label, right.label) || left.requestIndex - right.requestIndex);
}

/** This round's finished requests from a `progress.json` of the older format (it also held the earlier rounds'). */
export async function readOldProgress(path: string, before: Progress): Promise<RequestLine[] | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const old = progressSchema.parse(JSON.parse(text));
  return old.requests
    .filter((record) => record.requestIndex >= (before.labels[record.label]?.requests ?? 0))
    .map(({ newUnique: _newUnique, ...line }) => line);
}

/** The generation template's role for a pair task (NLI): its replies are `premise ||| hypothesis` lines. */
export const PAIR_GENERATION_ROLE = 'generate-pairs';

/** A dataset whose examples are text pairs (`columns.textPair`): generation writes pairs. */
export function isPairTask(spec: DatasetSpec): boolean {
  return spec.columns.textPair !== undefined;
}

/** A pair task needs a pairs template and a single-text task must not get one: the reply formats differ. */
export function checkTemplateRole(loaded: LoadedTemplate, datasetName: string, pairs: boolean): void {
  const isPairTemplate = loaded.template.role === PAIR_GENERATION_ROLE;
  if (pairs === isPairTemplate) return;
  throw ApplicationFailure.create({
    type: 'ConfigError',
    nonRetryable: true,
    message: pairs
      ? `dataset ${datasetName} has text pairs (columns.textPair), so its generation prompt must be a pairs template (role "${PAIR_GENERATION_ROLE}", e.g. prompts/generate/pairs.v1.md); ${loaded.path} has role "${loaded.template.role}"`
      : `${loaded.path} is a pairs template (role "${PAIR_GENERATION_ROLE}") but dataset ${datasetName} has single texts`,
  });
}

/** A candidate's text fields from a kept sample: a pair task's sample is its pair line. */
export function candidateTexts(sample: string, pairs: boolean): { text: string; textPair?: string } {
  if (!pairs) return { text: sample };
  const pair = splitPairLine(sample);
  if (!pair) throw new Error(`generation progress holds a pair sample without exactly one "${PAIR_SEPARATOR}": ${JSON.stringify(sample.slice(0, 80))}`);
  return pair;
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
    // A pair task's demos are shown in the line format its replies must use.
    examples: demos.map((demo) => (demo.textPair === undefined ? demo.text : formatPairLine({ text: demo.text, textPair: demo.textPair }))),
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
    const before: Progress = previous ? await deps.store.readJson(previous, progressSchema) : { labels: {}, requests: [] };
    const targetOf = (label: string) => input.uniqueTargetByLabel?.[label] ?? generation.samplesPerLabel;
    const pairs = isPairTask(spec);
    checkTemplateRole(loaded, spec.name, pairs);
    // A pair is kept as its `premise ||| hypothesis` line: progress stays one string per sample (text-pairs.ts).
    const parse = (text: string, finishReason: RequestLine['finishReason']): string[] => {
      const options = { minChars: generation.minChars, maxChars: generation.maxChars, finishReason };
      return pairs ? parseGeneratedPairs(text, options).kept.map(formatPairLine) : parseGeneratedLines(text, options).kept;
    };
    const context = Context.current();
    // Every request in flight or waiting for a slot listens to the activity's cancellation.
    setMaxListeners(2 * model.concurrency + 10, context.cancellationSignal);

    const demosByLabel: Record<string, Example[]> = Object.fromEntries(
      spec.labels.map((label) => [
        label,
        input.demos === 'none' ? [] : sampleDemos(train, { label, count: generation.demosPerLabel, seed: generation.demoSeed, maxWords: generation.demoMaxWords }),
      ]),
    );
    const plans = new Map(
      spec.labels.map((label) => {
        const earlier = before.labels[label];
        const plan = new LabelRequests({
          target: targetOf(label),
          maxRequests: generation.maxRequestsPerLabel,
          samplesPerRequest: generation.samplesPerRequest,
          earlier: { requests: earlier?.requests ?? 0, samples: earlier?.samples ?? [] },
        });
        return [label, plan];
      }),
    );
    const planOf = (label: string): LabelRequests => {
      const plan = plans.get(label);
      if (!plan) throw new Error(`generation progress in ${workDir} has a request for label "${label}", which ${spec.name} does not have`);
      return plan;
    };

    const oldProgressPath = join(workDir, 'progress.json');
    const log = await openAppendLog(join(workDir, 'requests.jsonl'), requestLineSchema, { migrate: () => readOldProgress(oldProgressPath, before) });
    await rm(oldProgressPath, { force: true });
    /** This round's finished requests, one per label and index. */
    const lines: RequestLine[] = [];
    let llmCalls = 0;
    try {
      for (const line of log.entries) if (planOf(line.label).finish(line.requestIndex, parse(line.reply, line.finishReason))) lines.push(line);

      const prompts = new Map<string, Promise<{ messages: ChatMessage[]; demosUsed: number }>>();
      const promptFor = (label: string) => {
        let prompt = prompts.get(label);
        if (!prompt) {
          const parts: PromptParts = {
            languageName: language.name,
            script: language.script,
            taskDescription: input.taskDescription ?? spec.task,
            labelKind: spec.labelKind,
            label,
            labelDescription: descriptions[label] ?? '',
            count: generation.samplesPerRequest,
          };
          prompt = fitToContext(model, loaded, parts, demosByLabel[label] ?? [], generation.sampling.maxTokens);
          prompts.set(label, prompt);
        }
        return prompt;
      };

      const send = async (label: string, plan: LabelRequests, requestIndex: number): Promise<void> => {
        try {
          const { messages, demosUsed } = await promptFor(label);
          // An unlabelled product's slots send one prompt: each slot gets its own seeds.
          const slotOffset = input.unlabelled === true ? spec.labels.indexOf(label) * 1_000_003 : 0;
          const sampling = { ...generation.sampling, seed: (generation.sampling.seed ?? generation.demoSeed) * 100_003 + requestIndex + slotOffset };
          const onFault = heartbeatOnFault(context, () => ({ label, requests: plan.requests, unique: plan.samples.length }));
          const reply = await model.complete({ messages, sampling, signal: context.cancellationSignal, onFault });
          llmCalls += 1;
          const kept = parse(reply.text, reply.finishReason);
          const line: RequestLine = {
            label,
            requestIndex,
            messages,
            demosUsed,
            model: reply.model,
            sampling,
            reply: reply.text,
            finishReason: reply.finishReason,
            usage: reply.usage,
            backendMs: Math.round(reply.backendMs),
            parsed: kept.length,
          };
          await log.append(line);
          plan.finish(requestIndex, kept);
          lines.push(line);
          context.heartbeat({ label, requests: plan.requests, unique: plan.samples.length });
        } catch (error) {
          plan.abandon(requestIndex);
          throw error;
        }
      };

      // Labels take turns at each free slot, so none waits behind another's whole target.
      let turn = 0;
      await keepInFlight(model.concurrency, () => {
        for (let offset = 0; offset < spec.labels.length; offset += 1) {
          const label = spec.labels[(turn + offset) % spec.labels.length] as string;
          const plan = planOf(label);
          const requestIndex = plan.next();
          if (requestIndex === undefined) continue;
          turn = (turn + offset + 1) % spec.labels.length;
          return () => send(label, plan, requestIndex);
        }
        return undefined;
      });
    } finally {
      await log.close();
    }

    const unsettled = spec.labels.filter((label) => !planOf(label).settled);
    if (unsettled.length > 0) throw new Error(`generation finished with requests missing below finished ones for ${unsettled.join(', ')}`);
    const parsedOf = (label: string) =>
      (before.labels[label]?.parsed ?? 0) + lines.filter((line) => line.label === label).reduce((sum, line) => sum + line.parsed, 0);
    const progress: Progress = {
      labels: Object.fromEntries(
        spec.labels.map((label) => [label, { requests: planOf(label).requests, parsed: parsedOf(label), samples: planOf(label).samples }]),
      ),
      // Sorted, so the state (whose hash keys the next round) does not depend on the order replies came in.
      requests: sortRequests([...before.requests, ...lines.map((line) => ({ ...line, newUnique: planOf(line.label).addedBy(line.requestIndex) }))]),
    };

    const byLabel = (pick: (label: string) => number) => Object.fromEntries(spec.labels.map((label) => [label, pick(label)]));
    const stateOf = (label: string) => progress.labels[label] ?? { requests: 0, parsed: 0, samples: [] };
    // Only this call's samples: the previous rounds' were judged and deduped in their own rounds.
    const candidates = spec.labels.flatMap((label) => {
      const start = before.labels[label]?.samples.length ?? 0;
      return stateOf(label)
        .samples.slice(start)
        .map((sample, offset) => ({ id: `${label}-${start + offset}`, label, ...candidateTexts(sample.text, pairs), requestIndex: sample.requestIndex }));
    });
    const output: GenerateOutput = {
      candidates: await deps.store.putJsonl(candidates),
      state: await deps.store.put(JSON.stringify(progress), 'json'),
      requests: await deps.store.putJsonl(progress.requests),
      demos: await deps.store.putJson(demosByLabel),
      requestsByLabel: byLabel((label) => stateOf(label).requests),
      parsedByLabel: byLabel((label) => stateOf(label).parsed),
      uniqueByLabel: byLabel((label) => stateOf(label).samples.length),
      shortfallByLabel: byLabel((label) => Math.max(0, targetOf(label) - stateOf(label).samples.length)),
      llmCalls,
      // Every finished request of this round, those a crashed attempt finished included.
      usage: usageOfRequests(lines),
    };
    await deps.store.record('generate', cacheKey, { ...output, llmCalls: 0 });
    return output;
  };
}
