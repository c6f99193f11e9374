/**
 * What a finished cell and a finished data product leave behind: the records the report reads
 * (and the entry a failed one leaves in the sweep's result). They are written to the sweep records
 * folder by an activity, not carried in workflow history, so a sweep of thousands of cells keeps
 * small histories. Workflow code imports only its types: the zod schemas here cost real time in
 * every workflow's sandbox.
 */
import { z } from 'zod';
import { artifactRefSchema } from './ref';

const countsByLabel = z.record(z.string(), z.number().int().nonnegative());

export const cellResultSchema = z.strictObject({
  key: z.string().min(1),
  kind: z.enum(['synthetic', 'gold']),
  task: z.string(),
  language: z.string(),
  strategy: z.string(),
  generator: z.string(),
  seed: z.number().int(),
  trainSize: z.number().int().nonnegative(),
  accuracy: z.number(),
  macroF1: z.number(),
  metrics: artifactRefSchema,
  modelDir: z.string(),
  bestEpoch: z.number().int(),
  resumedFromEpoch: z.number().int().nullable(),
  trainings: z.number().int().nonnegative(),
});

export const dataProductCountsSchema = z.strictObject({
  requested: countsByLabel,
  parsed: countsByLabel,
  unique: countsByLabel,
  rejectedByJudge: countsByLabel,
  removedAsDuplicates: countsByLabel,
  kept: countsByLabel,
  /** Kept samples missing to reach the quota (before rounds: unique candidates missing). */
  shortfall: countsByLabel,
  /** Accepted, unique samples that came after their label's quota was full (not kept). Absent before rounds. */
  overQuota: countsByLabel.optional(),
});

export const dataProductResultSchema = z.strictObject({
  key: z.string().min(1),
  dataset: artifactRefSchema,
  rejects: artifactRefSchema.optional(),
  requests: artifactRefSchema,
  labelDescriptions: artifactRefSchema.optional(),
  counts: dataProductCountsSchema,
  /** Generate → judge → dedupe rounds it took to meet the quota of kept samples. Absent before rounds. */
  rounds: z.number().int().positive().optional(),
  llmCalls: z.number().int().nonnegative(),
});

export type CellResult = z.infer<typeof cellResultSchema>;
export type DataProductCounts = z.infer<typeof dataProductCountsSchema>;
export type DataProductResult = z.infer<typeof dataProductResultSchema>;

/**
 * What a cell workflow returns to its sweep: counts and metrics, nothing bulky, so a finished
 * cell shows how it did in the UI. (Cells that finished before the metrics were added returned
 * only `key` and `trainings`; the sweep reads only `trainings`.)
 */
export interface CellOutcome {
  key: string;
  trainings: number;
  macroF1: number;
  accuracy: number;
  trainSize: number;
  /** Where the training labels came from: `prompt` (the label the generator was asked for) or `gold`. */
  labelSource: 'prompt' | 'gold';
  /** One readable line, e.g. `sib200 · cy · TargetDemos · smollm2-135m · seed 1 → macro-F1 61.2`. */
  summary: string;
}

/** What a data-product workflow returns to its sweep: what its cells need, and the LLM call count. */
export interface DataProductOutcome {
  key: string;
  dataset: z.infer<typeof artifactRefSchema>;
  llmCalls: number;
  /**
   * One readable line, e.g. `sib200 · cy · TargetDemos · smollm2-135m → kept 70, rejected 12`.
   * Absent where the outcome comes from a record (a resumed sweep) or an older run.
   */
  summary?: string;
}

/** A data product or cell that failed after its retries, as the sweep's result lists it. */
export interface FailedItem {
  key: string;
  kind: 'data-product' | 'cell';
  message: string;
}
