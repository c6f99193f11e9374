/**
 * Label descriptions for the summarized-label (SL) strategies: the LLM describes each label from
 * ~10 seeded English training examples ("This topic involves …"), cached per (task, model,
 * prompt version, settings) — or the user's own descriptions from a CSV. Either way the result is
 * a JSON artifact {label: description} that users can read and edit into a file of their own.
 */
import { Context } from '@temporalio/activity';
import { parseLabelDescriptions } from '../data/label-descriptions';
import { readDataFile, readSplit } from '../data/readers';
import { resolveFromRepo } from '../infra/paths';
import { generatorIdentity } from '../config/plan';
import { hashOf } from '../shared/hash';
import { usageOfRequests, type RequestCost } from '../shared/usage';
import { sampleDemos } from '../stages/demos';
import { summarizeLabelsInputSchema, summarizeLabelsOutputSchema, type SummarizeLabelsInput, type SummarizeLabelsOutput } from './contracts';
import type { ActivityDeps } from './deps';
import { heartbeatOnFault } from './fault-heartbeat';
import { loadPromptTemplate } from './prompt-files';
import { templateMessages } from './prompt-messages';

/** The reply's description: its first paragraph, without quotes or a "Description:" prefix. */
export function cleanDescription(reply: string): string {
  const firstParagraph = reply.trim().split(/\n\s*\n/)[0] ?? '';
  return firstParagraph
    .replace(/^\s*(description|answer)\s*:\s*/i, '')
    .replace(/^["“'«]+|["”'»]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

async function descriptionsFromFile(input: SummarizeLabelsInput & { settings: { source: 'file' } }): Promise<Record<string, string>> {
  const path = resolveFromRepo(input.settings.path);
  return parseLabelDescriptions(await readDataFile(path), path, input.settings, input.dataset.labels);
}

export function createSummarizeLabelsActivity(deps: ActivityDeps) {
  return async function summarizeLabels(rawInput: SummarizeLabelsInput): Promise<SummarizeLabelsOutput> {
    const input = summarizeLabelsInputSchema.parse(rawInput);
    const { settings } = input;
    if (settings.source === 'file') {
      const descriptions = await descriptionsFromFile({ ...input, settings });
      return { descriptions: await deps.store.putJson(descriptions), provenance: await deps.store.putJson({ source: settings.path }), llmCalls: 0, usage: usageOfRequests([]) };
    }

    const loaded = await loadPromptTemplate(settings.prompt);
    const cacheKey = hashOf({ dataset: input.dataset.name, labels: input.dataset.labels, generator: generatorIdentity(input.generator), settings, template: loaded.sha256 });
    const cached = await deps.store.lookup('summarize-labels', cacheKey, summarizeLabelsOutputSchema);
    if (cached) return { ...cached, llmCalls: 0 };

    const english = await readSplit(input.dataset, { dataRoot: input.dataRoot, language: 'en', split: 'train' });
    const model = deps.models.get(input.generator.provider);
    const context = Context.current();
    const descriptions: Record<string, string> = {};
    const provenance: unknown[] = [];
    const costs: RequestCost[] = [];
    for (const label of input.dataset.labels) {
      const examples = sampleDemos(english, { label, count: settings.examplesPerLabel, seed: settings.seed, maxWords: 128 });
      const messages = templateMessages(loaded, {
        task: input.dataset.task,
        labelKind: input.dataset.labelKind,
        label,
        examples: examples.map((example) => example.text),
      });
      const onFault = heartbeatOnFault(context, () => ({ label }));
      const reply = await model.complete({ messages, sampling: settings.sampling, signal: context.cancellationSignal, onFault });
      descriptions[label] = cleanDescription(reply.text);
      const backendMs = Math.round(reply.backendMs);
      provenance.push({ label, messages, reply: reply.text, model: reply.model, usage: reply.usage, backendMs, sampling: settings.sampling });
      costs.push({ usage: reply.usage, backendMs });
      context.heartbeat({ label });
    }
    const output: SummarizeLabelsOutput = {
      descriptions: await deps.store.putJson(descriptions),
      provenance: await deps.store.putJson(provenance),
      llmCalls: input.dataset.labels.length,
      usage: usageOfRequests(costs),
    };
    await deps.store.record('summarize-labels', cacheKey, { ...output, llmCalls: 0 });
    return output;
  };
}
