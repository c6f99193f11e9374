/**
 * Why a disturbed run's data differs from the undisturbed one's, where it does: the data products
 * whose kept dataset has another sha256, and how many LLM replies in their request logs differ
 * (same label, same request index, same seed, another reply). A synthetic cell trained on another
 * dataset cannot score the same; a gold cell's training set does not depend on the LLM.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { sweepRecordsOf } from '../../src/artifacts/sweep-records';
import { duplicateRequestLines } from './integrity';

const requestLineSchema = z.looseObject({ label: z.string(), requestIndex: z.number(), reply: z.string() });

async function requestReplies(artifactsRoot: string, logPath: string): Promise<Map<string, string>> {
  const text = await readFile(join(artifactsRoot, logPath), 'utf8').catch(() => '');
  const replies = new Map<string, string>();
  for (const line of text.split('\n').filter((entry) => entry.length > 0)) {
    const parsed = requestLineSchema.parse(JSON.parse(line));
    replies.set(`${parsed.label}#${parsed.requestIndex}`, parsed.reply);
  }
  return replies;
}

/** One line per data product of the sweep: whether its dataset and its LLM replies are the same in both runs. */
export async function explainDataDifferences(undisturbedArtifacts: string, disturbedArtifacts: string, sweepId: string): Promise<string[]> {
  const before = await sweepRecordsOf({ root: undisturbedArtifacts }).readDataProducts(sweepId);
  const after = await sweepRecordsOf({ root: disturbedArtifacts }).readDataProducts(sweepId);
  const lines: string[] = [];
  for (const [key, product] of before) {
    const other = after.get(key);
    if (!other) {
      lines.push(`data product ${key}: not recorded in the disturbed run`);
      continue;
    }
    const same = product.dataset.sha256 === other.dataset.sha256;
    lines.push(`data product ${key}: dataset ${same ? 'identical' : `differs (${product.dataset.sha256.slice(0, 12)} vs ${other.dataset.sha256.slice(0, 12)})`}`);
  }
  // The request logs live in the generate activity's work folder, one per product.
  const logsBefore = (await duplicateRequestLines(undisturbedArtifacts)).paths;
  const logsAfter = new Set((await duplicateRequestLines(disturbedArtifacts)).paths);
  for (const logPath of logsBefore.filter((path) => logsAfter.has(path))) {
    const replies = await requestReplies(undisturbedArtifacts, logPath);
    const otherReplies = await requestReplies(disturbedArtifacts, logPath);
    const differing = [...replies].filter(([request, reply]) => otherReplies.has(request) && otherReplies.get(request) !== reply).map(([request]) => request);
    lines.push(`LLM replies (${logPath}): ${replies.size - differing.length} of ${replies.size} identical${differing.length > 0 ? `; differ: ${differing.join(', ')}` : ''}`);
  }
  return lines;
}
