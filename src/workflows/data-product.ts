/**
 * One shared data product: generate → revise → dedupe → annotate. Runs once per (task, language,
 * strategy, generator, generation settings); every cell that only differs in seed or downstream
 * settings reuses its result. Orchestration only: all I/O is in activities.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { ArtifactRef } from '../artifacts/ref';
import type { DataProductOutcome, DataProductResult } from '../artifacts/results';
import type { DataProductSpec } from '../config/plan';
import { generationPromptFile } from '../config/strategies';
import type { DatasetSpec } from '../data/dataset-spec';
import { StageKey } from '../shared/search-attributes';
import { dataActivities, llmActivities, recordActivities } from './policies';

export interface DataProductInput {
  sweepId: string;
  dataRoot: string;
  dataset: DatasetSpec;
  product: DataProductSpec;
}

function setStage(stage: string): void {
  upsertSearchAttributes([{ key: StageKey, value: stage }]);
}

export async function dataProductWorkflow({ sweepId, dataRoot, dataset, product }: DataProductInput): Promise<DataProductOutcome> {
  const { generation } = product;
  const promptFile = generationPromptFile(product.strategySettings, generation.prompts);

  let labelDescriptions: ArtifactRef | undefined;
  let llmCalls = 0;
  if (product.labelDescriptions) {
    setStage('summarize-labels');
    const summaries = await llmActivities.summarizeLabels({ dataRoot, dataset, generator: product.generator, settings: product.labelDescriptions });
    labelDescriptions = summaries.descriptions;
    llmCalls += summaries.llmCalls;
  }

  setStage('generate');
  const generated = await llmActivities.generateSamples({
    productKey: product.key,
    dataRoot,
    dataset,
    taskDescription: product.taskDescription,
    language: product.language,
    demos: product.strategySettings.demos,
    generator: product.generator,
    generation,
    promptFile,
    labelDescriptions,
  });

  let samples = generated.candidates;
  let rejects: ArtifactRef | undefined;
  let rejectedByJudge: Record<string, number> = {};
  llmCalls += generated.llmCalls;
  if (product.revision) {
    setStage('revise');
    const revised = await llmActivities.reviseSamples({
      productKey: product.key,
      dataset,
      taskDescription: product.taskDescription,
      language: product.language,
      candidates: generated.candidates,
      generator: product.generator,
      revision: product.revision,
      labelDescriptions,
    });
    samples = revised.accepted;
    rejects = revised.rejects;
    rejectedByJudge = revised.rejectedByLabel;
    llmCalls += revised.llmCalls;
  }

  setStage('dedupe');
  const deduped = await dataActivities.dedupeSamples({
    dataRoot,
    dataset,
    language: product.language,
    samples,
    demos: generated.demos,
  });

  setStage('annotate');
  const annotated = await dataActivities.annotateSamples({
    productKey: product.key,
    samples: deduped.kept,
    generatorName: product.generator.name,
  });
  const result: DataProductResult = {
    key: product.key,
    dataset: annotated.dataset,
    ...(rejects ? { rejects } : {}),
    requests: generated.requests,
    ...(labelDescriptions ? { labelDescriptions } : {}),
    counts: {
      requested: generated.requestsByLabel,
      parsed: generated.parsedByLabel,
      unique: generated.uniqueByLabel,
      rejectedByJudge,
      removedAsDuplicates: deduped.removedByLabel,
      kept: annotated.keptByLabel,
      shortfall: generated.shortfallByLabel,
    },
    llmCalls,
  };
  await recordActivities.recordDataProduct({ sweepId, result });
  setStage('done');
  return { key: product.key, dataset: annotated.dataset, llmCalls };
}
