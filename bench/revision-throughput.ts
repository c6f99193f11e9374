/**
 * Revision (LLM-as-judge) throughput on the real local GGUF model, side by side in one run: the
 * same K real SIB-200 Welsh training sentences judged with prompts/revise/judge.v1.md
 * (a) one request at a time through a provider with concurrency 1, and
 * (b) all at once through a provider with concurrency N, whose sequence pool lets llama.cpp
 *     batch the N sequences of one context.
 * Same sampling for both (temperature 0, top-p 1, no repetition penalty, 24 new tokens). Each
 * phase loads its own context (the cache key includes the sequence count), is warmed up with one
 * request outside the timing, and is closed afterwards.
 *
 *   npm run bench -- revision-throughput [--candidates 24] [--concurrency 4] [--threads 2]
 */
import { performance } from 'node:perf_hooks';
import { loadPromptTemplate, type LoadedTemplate } from '../src/activities/prompt-files';
import { templateMessages } from '../src/activities/prompt-messages';
import { getLanguage } from '../src/data/languages';
import { dataRootDefault, readSplit, type Example } from '../src/data/readers';
import { getDatasetSpec } from '../src/data/registry';
import { createLanguageModel } from '../src/llm/factory';
import { unloadAllLocalModels } from '../src/llm/local-gguf-runtime';
import type { ChatMessage, CompletionResult, SamplingParams } from '../src/llm/types';
import { parseJudgeVerdict } from '../src/stages/verdict';
import { positiveIntegerOption } from './options';

export const JUDGE_PROMPT = 'prompts/revise/judge.v1.md';
export const MODEL = 'packaged:smollm2-135m-instruct';
export const SAMPLING: SamplingParams = { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 24 };

export interface RevisionBenchOptions {
  candidates: number;
  concurrency: number;
  threads: number;
  contextSize: number;
  language: string;
}

export function parseOptions(args: readonly string[]): RevisionBenchOptions {
  const options: RevisionBenchOptions = { candidates: 24, concurrency: 4, threads: 2, contextSize: 2048, language: 'cy' };
  for (let index = 0; index < args.length; index += 1) {
    const flag = args[index];
    const value = args[index + 1];
    const positive = () => {
      const number = positiveIntegerOption(flag, value);
      index += 1;
      return number;
    };
    switch (flag) {
      case '--candidates':
        options.candidates = positive();
        break;
      case '--concurrency':
        options.concurrency = positive();
        break;
      case '--threads':
        options.threads = positive();
        break;
      case '--context-size':
        options.contextSize = positive();
        break;
      case '--language':
        if (!value) throw new Error('--language needs a language code');
        options.language = value;
        index += 1;
        break;
      default:
        throw new Error(`unknown option "${flag}" (known: --candidates, --concurrency, --threads, --context-size, --language)`);
    }
  }
  return options;
}

export function judgeMessages(loaded: LoadedTemplate, candidate: Example, language: string): ChatMessage[] {
  const spec = getDatasetSpec('sib200');
  const info = getLanguage(language);
  return templateMessages(loaded, {
    language: info.name,
    script: info.script,
    task: spec.task,
    labelKind: spec.labelKind,
    label: candidate.label,
    labelDescription: '',
    candidate: candidate.text,
  });
}

export interface PhaseResult {
  name: string;
  concurrency: number;
  wallSeconds: number;
  perSecond: number;
  completionTokens: number;
  promptTokens: number;
  replies: string[];
}

async function runPhase(
  name: string,
  concurrency: number,
  requests: readonly ChatMessage[][],
  options: RevisionBenchOptions,
): Promise<PhaseResult> {
  const model = createLanguageModel({ kind: 'local-gguf', model: MODEL, contextSize: options.contextSize, concurrency, threads: options.threads, gpu: false });
  try {
    // Warm-up outside the timing: loads the GGUF file and creates this phase's context and sequences.
    const warmStarted = performance.now();
    await model.complete({ messages: requests[0] as ChatMessage[], sampling: SAMPLING });
    process.stderr.write(`[${name}] warm-up (load + 1 request) ${((performance.now() - warmStarted) / 1000).toFixed(1)}s\n`);
    const results: CompletionResult[] = [];
    const started = performance.now();
    let done = 0;
    const progressEvery = Math.max(1, Math.ceil(requests.length / 4));
    const complete = async (messages: ChatMessage[]) => {
      const result = await model.complete({ messages, sampling: SAMPLING });
      done += 1;
      if (done % progressEvery === 0 || done === requests.length) {
        process.stderr.write(`[${name}] ${done}/${requests.length} judged, ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
      }
      return result;
    };
    if (concurrency === 1) {
      for (const messages of requests) results.push(await complete(messages));
    } else {
      // Every request issued at once; the provider's limiter and sequence pool run `concurrency` of them together.
      results.push(...(await Promise.all(requests.map(complete))));
    }
    const wallSeconds = (performance.now() - started) / 1000;
    return {
      name,
      concurrency,
      wallSeconds,
      perSecond: requests.length / wallSeconds,
      completionTokens: results.reduce((sum, result) => sum + result.usage.completionTokens, 0),
      promptTokens: results.reduce((sum, result) => sum + result.usage.promptTokens, 0),
      replies: results.map((result) => result.text),
    };
  } finally {
    await model.close();
  }
}

export function formatPhaseTable(phases: readonly PhaseResult[]): string {
  const header = ['mode', 'concurrency', 'wall_s', 'candidates/s', 'prompt_tok', 'completion_tok', 'completion_tok/s', 'yes', 'no', 'unparsed'];
  const rows = phases.map((phase) => {
    const verdicts = { yes: 0, no: 0, unparsed: 0 };
    for (const reply of phase.replies) verdicts[parseJudgeVerdict(reply).verdict] += 1;
    return [
      phase.name,
      String(phase.concurrency),
      phase.wallSeconds.toFixed(2),
      phase.perSecond.toFixed(3),
      String(phase.promptTokens),
      String(phase.completionTokens),
      (phase.completionTokens / phase.wallSeconds).toFixed(1),
      String(verdicts.yes),
      String(verdicts.no),
      String(verdicts.unparsed),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export async function run(args: string[]): Promise<number> {
  const options = parseOptions(args);
  const spec = getDatasetSpec('sib200');
  const examples = await readSplit(spec, { dataRoot: dataRootDefault(), language: options.language, split: 'train' });
  if (examples.length < options.candidates) throw new Error(`only ${examples.length} training sentences for ${options.language}; asked for ${options.candidates}`);
  const candidates = examples.slice(0, options.candidates);
  const loaded = await loadPromptTemplate(JUDGE_PROMPT);
  const requests = candidates.map((candidate) => judgeMessages(loaded, candidate, options.language));

  console.log(
    `revision-throughput: model=${MODEL} candidates=${options.candidates} (sib200 ${options.language} train) prompt=${JUDGE_PROMPT} ` +
      `contextSize=${options.contextSize} threads=${options.threads} sampling=${JSON.stringify(SAMPLING)}`,
  );
  try {
    const sequential = await runPhase('sequential', 1, requests, options);
    console.log(`sequential done in ${sequential.wallSeconds.toFixed(2)}s`);
    const concurrent = await runPhase('concurrent', options.concurrency, requests, options);
    console.log(`concurrent done in ${concurrent.wallSeconds.toFixed(2)}s`);
    const sameReplies = sequential.replies.filter((reply, index) => reply === concurrent.replies[index]).length;
    const sameVerdicts = sequential.replies.filter(
      (reply, index) => parseJudgeVerdict(reply).verdict === parseJudgeVerdict(concurrent.replies[index] ?? '').verdict,
    ).length;
    console.log('');
    console.log(formatPhaseTable([sequential, concurrent]));
    console.log('');
    console.log(`identical replies: ${sameReplies}/${options.candidates}; identical verdicts: ${sameVerdicts}/${options.candidates}`);
    const speedup = concurrent.perSecond / sequential.perSecond;
    console.log(
      `revision-throughput: candidates=${options.candidates} sequential_per_s=${sequential.perSecond.toFixed(3)} ` +
        `concurrent_per_s=${concurrent.perSecond.toFixed(3)} concurrency=${options.concurrency} speedup=${speedup.toFixed(2)}`,
    );
    return 0;
  } finally {
    await unloadAllLocalModels();
  }
}
