/** What goes into the generation prompt for each strategy preset (study A's seven, TaskOnly, Unlabelled). */
import { describe, expect, it } from 'vitest';
import { buildMessages } from '../../src/activities/generate';
import { loadPromptTemplate } from '../../src/activities/prompt-files';
import { parseSweepConfig } from '../../src/config/load';
import { planSweep } from '../../src/config/plan';
import { STRATEGY_NAMES, generationPromptFile, strategySettings } from '../../src/config/strategies';
import { readSplit } from '../../src/data/readers';
import { getDatasetSpec } from '../../src/data/registry';
import { sampleDemos } from '../../src/stages/demos';
import { dataRoot } from '../helpers/stack';

const prompts = { targetDemos: 'prompts/generate/target-demos.v1.md', englishDemos: 'prompts/generate/english-demos.v1.md', summarizedLabel: 'prompts/generate/summarized-label.v1.md' };
const description = 'This topic involves sport: matches, athletes, results and competitions.';

describe('strategy prompt assembly', () => {
  it.each(STRATEGY_NAMES)('%s', async (name) => {
    const settings = strategySettings(name);
    const spec = getDatasetSpec('sib200');
    const language = settings.demos === 'english' ? 'en' : 'cy';
    const train = settings.demos === 'none' ? [] : await readSplit(spec, { dataRoot, language, split: 'train' });
    const demos = sampleDemos(train, { label: 'sports', count: 3, seed: 0, maxWords: 128 });
    const loaded = await loadPromptTemplate(generationPromptFile(settings, prompts));
    const messages = buildMessages(
      loaded,
      { languageName: 'Welsh', script: 'Latin', taskDescription: spec.task, labelKind: spec.labelKind, label: 'sports', labelDescription: settings.summarizedLabel ? description : '', count: 10 },
      demos,
    );
    const user = messages.find((message) => message.role === 'user')!.content;
    expect(user).toContain('Welsh');
    // The Unlabelled strategy (study C) asks for texts of the domain without naming the label.
    if (settings.unlabelled === true) expect(user).not.toContain('sports');
    else expect(user).toContain('"sports"');
    expect(user).toContain('10');
    if (settings.demos === 'none') expect(demos).toHaveLength(0);
    else {
      expect(demos).toHaveLength(3);
      for (const demo of demos) expect(user).toContain(demo.text);
    }
    if (settings.summarizedLabel) expect(user).toContain(description);
    else expect(user).not.toContain('This topic involves');
  });

  it('counts label summaries per (task, generator) and shares them across languages', () => {
    const config = parseSweepConfig(
      {
        name: 'sl',
        tasks: [{ dataset: 'sib200' }, { dataset: 'massive10' }],
        languages: ['cy', 'he', 'de'],
        strategies: ['SL', 'TargetDemos+SL', 'TargetDemos'],
        generators: [
          { name: 'a', provider: { kind: 'local-gguf', model: 'a.gguf' } },
          { name: 'b', provider: { kind: 'local-gguf', model: 'b.gguf' } },
        ],
        seeds: [1],
        generation: { samplesPerLabel: 10 },
        selection: { perLabel: 5 },
        training: { model: 'm' },
      },
      'x',
    );
    const plan = planSweep(config);
    expect(plan.labelSummaries).toHaveLength(2 * 2);
    expect(plan.dataProducts.filter((product) => product.labelDescriptions !== undefined)).toHaveLength(2 * 3 * 2 * 2);
    expect(plan.dataProducts.find((product) => product.strategy === 'TargetDemos')?.labelDescriptions).toBeUndefined();
  });
});
