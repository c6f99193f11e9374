/**
 * Label descriptions from a CSV file (summarizeLabels with `source: file`): the real file from
 * ../shared/data, a file with a byte-order mark and quoted multi-line descriptions, and a broken
 * file whose error names the file and the line. Real artifact store; no LLM is involved.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SummarizeLabelsInput } from '../../src/activities/contracts';
import { createModelSource } from '../../src/activities/deps';
import { createSummarizeLabelsActivity } from '../../src/activities/summarize-labels';
import { ArtifactStore } from '../../src/artifacts/store';
import { dataRootDefault } from '../../src/data/readers';
import { getDatasetSpec } from '../../src/data/registry';

describe('summarizeLabels from a CSV file', () => {
  let directory: string;
  let store: ArtifactStore;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'synthlab-label-descriptions-'));
    store = new ArtifactStore(join(directory, 'artifacts'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  function inputFor(path: string, dataset = getDatasetSpec('massive10')): SummarizeLabelsInput {
    return {
      dataRoot: dataRootDefault(),
      dataset,
      generator: { name: 'local', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct', contextSize: 2048, concurrency: 1, gpu: false } },
      settings: { source: 'file', path, labelColumn: 'intent', descriptionColumn: 'description' },
    };
  }
  const summarize = (input: SummarizeLabelsInput) => createSummarizeLabelsActivity({ store, models: createModelSource() })(input);

  it('reads the real massive10 descriptions (quoted fields with commas)', async () => {
    const output = await summarize(inputFor(join(dataRootDefault(), 'label-descriptions', 'intent2description_summarized.csv')));
    const descriptions = await store.readJson(output.descriptions, z.record(z.string(), z.string()));
    expect(Object.keys(descriptions).sort()).toEqual([...getDatasetSpec('massive10').labels].sort());
    expect(descriptions.alarm_query).toMatch(/^This intent involves querying or checking the status of existing alarms, including/);
    expect(output.llmCalls).toBe(0);
  });

  it('reads a file with a byte-order mark and a quoted multi-line description', async () => {
    const dataset = { ...getDatasetSpec('massive10'), labels: ['alarm_query', 'weather_query'] };
    const file = join(directory, 'bom.csv');
    await writeFile(file, '\uFEFFintent,description\r\nalarm_query,"Alarms, timers\r\nand ""wake-ups"""\r\nweather_query,Forecasts\r\n');
    const output = await summarize(inputFor(file, dataset));
    expect(await store.readJson(output.descriptions, z.record(z.string(), z.string()))).toEqual({
      alarm_query: 'Alarms, timers\r\nand "wake-ups"',
      weather_query: 'Forecasts',
    });
  });

  it('a broken file: the error names the file and the line', async () => {
    const file = join(directory, 'broken.csv');
    await writeFile(file, 'intent,description\nalarm_query,"Alarms\nweather_query,Forecasts\n');
    await expect(summarize(inputFor(file))).rejects.toThrow(`${file}, line 2: quoted field is never closed`);
  });
});
