/**
 * `synthlab sweep show <data product> --sample <id>`: where one row of a data product came from and
 * every label it received, read from the product's record and artifacts (never from history):
 * its origin (the LLM request with prompt, model and sampling, or the imported file's line), the
 * judge's verdict where the product was judged, and the teacher's label and probability.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { syntheticRowSchema, type RowOrigin } from '../activities/rows';
import type { DataProductResult } from '../artifacts/results';
import { artifactStoreFromEnvironment } from '../artifacts/location';
import type { ArtifactStore } from '../artifacts/store';
import { sweepRecordsOf } from '../artifacts/sweep-records';
import { artifactsDir } from '../infra/paths';

const requestRecordSchema = z.looseObject({
  label: z.string(),
  requestIndex: z.number().int(),
  messages: z.array(z.object({ role: z.string(), content: z.string() })),
  model: z.string(),
  sampling: z.record(z.string(), z.unknown()),
  reply: z.string().optional(),
});

const teacherPredictionSchema = z.looseObject({ pred: z.string(), probs: z.array(z.number()).optional() });

export class SampleNotFoundError extends Error {
  override readonly name = 'SampleNotFoundError';
}

/** A line of a translated product's request log (src/activities/translate.ts). */
const translationRequestSchema = z.looseObject({
  index: z.number(),
  model: z.string(),
  messages: z.array(z.object({ role: z.string(), content: z.string() })),
  reply: z.string(),
});

/** A row by its id, or by the part after the product key (`line-12`, `travel-3`). */
function findRow<Row extends { id: string }>(rows: readonly Row[], productKey: string, sampleId: string): number {
  const wanted = sampleId.startsWith(`${productKey}/`) ? sampleId : `${productKey}/${sampleId}`;
  return rows.findIndex((row) => row.id === wanted);
}

const indent = (text: string, prefix = '      ') => text.split('\n').map((line) => `${prefix}${line}`).join('\n');

async function originLines(store: ArtifactStore, product: DataProductResult, origin: RowOrigin | undefined): Promise<string[]> {
  if (origin === undefined) return ['  origin: not recorded (the product was made before rows kept their origin)'];
  if (origin.kind === 'file') {
    let now = 'the file is no longer readable here';
    try {
      const sha256 = createHash('sha256').update(await readFile(origin.file)).digest('hex');
      now = sha256 === origin.sha256 ? 'unchanged since' : `changed since: now sha256 ${sha256}`;
    } catch {
      // Reported as unreadable above.
    }
    return [`  origin: file ${origin.file}:${origin.line}`, `    sha256 ${origin.sha256} (${now})`, ...(product.imported ? [`    import ${product.imported.name}, format ${product.imported.format}, ${product.imported.rows} rows`] : [])];
  }
  if (origin.kind === 'translation') {
    const from = origin.sourceProductKey === undefined ? 'the source train split' : `data product ${origin.sourceProductKey}`;
    const lines = [`  origin: translation of row ${origin.sourceRowId} of ${from}, by request ${origin.requestIndex} in the product's request log`];
    if (product.requests === undefined) return [...lines, '    (the product has no request log)'];
    const requests = await store.readJsonl(product.requests, translationRequestSchema);
    const request = requests.find((record) => record.index === origin.requestIndex);
    if (request === undefined) return [...lines, '    (not in the request log)'];
    lines.push(`    model: ${request.model}`, '    prompt:');
    for (const message of request.messages) lines.push(`    [${message.role}]`, indent(message.content));
    lines.push('    reply:', indent(request.reply));
    return lines;
  }
  const lines = [`  origin: request ${origin.requestIndex} for label "${origin.label}" in the product's request log`];
  if (product.requests === undefined) return [...lines, '    (the product has no request log)'];
  const requests = await store.readJsonl(product.requests, requestRecordSchema);
  const request = requests.find((record) => record.label === origin.label && record.requestIndex === origin.requestIndex);
  if (request === undefined) return [...lines, '    (not in the request log)'];
  lines.push(`    model: ${request.model}`, `    sampling: ${JSON.stringify(request.sampling)}`, '    prompt:');
  for (const message of request.messages) lines.push(`    [${message.role}]`, indent(message.content));
  if (request.reply !== undefined) lines.push('    reply:', indent(request.reply));
  return lines;
}

async function teacherLines(store: ArtifactStore, product: DataProductResult, index: number): Promise<string[]> {
  const annotation = product.annotation;
  if (annotation?.teacherPredictions === undefined) return [];
  const predictions = await store.readJsonl(annotation.teacherPredictions, teacherPredictionSchema);
  const prediction = predictions[index];
  if (prediction === undefined) return [`  teacher ${annotation.teacherKey ?? ''}: no prediction for row ${index}`];
  const probability = prediction.probs === undefined ? '' : ` (probability ${Math.max(...prediction.probs).toFixed(3)}; all: ${prediction.probs.map((value) => value.toFixed(3)).join(', ')})`;
  return [`  teacher ${annotation.teacherKey ?? ''}: "${prediction.pred}"${probability}`];
}

/** The lines `sweep show … --sample` prints; a SampleNotFoundError when the product or the row is not there. */
export async function sampleProvenanceLines(store: ArtifactStore, sweepId: string, productKey: string, sampleId: string): Promise<string[]> {
  const product = (await sweepRecordsOf(store).readDataProducts(sweepId)).get(productKey);
  if (product === undefined) throw new SampleNotFoundError(`no recorded data product ${productKey} in ${sweepId} (it records when it finishes)`);
  const rows = await store.readJsonl(product.dataset, syntheticRowSchema);
  const index = findRow(rows, productKey, sampleId);
  const row = rows[index];
  if (row === undefined) throw new SampleNotFoundError(`data product ${productKey} has no row ${sampleId} (${rows.length} rows; ids look like ${rows[0]?.id ?? 'none'})`);
  return [
    `${row.id} (row ${index + 1} of ${rows.length} in data product ${productKey})`,
    `  text: ${row.text}`,
    ...(row.textPair === undefined ? [] : [`  text pair: ${row.textPair}`]),
    `  label: "${row.label}" from ${row.labelSource}${row.origin?.kind === 'file' ? ' (as the file gives it)' : row.labelSource === 'prompt' ? ' (the label the prompt asked for)' : ''}`,
    ...(row.metadata === undefined ? [] : [`  metadata: ${JSON.stringify(row.metadata)}`]),
    ...(await originLines(store, product, row.origin)),
    // Only accepted rows are kept: a judged product's kept row had the judge's yes.
    ...(row.judge !== undefined ? [`  judge: ${row.judge.verdict}${row.judge.reason ? ` (${row.judge.reason})` : ''}`, indent(row.judge.reply, '    ')] : product.rejects !== undefined ? ['  judge: accepted (its reply was not kept by this older product)'] : []),
    `  annotators: ${product.annotation === undefined ? row.labelSource : [row.labelSource, ...(product.annotation.teacherKey ? ['teacher'] : [])].join(', ')}`,
    ...(await teacherLines(store, product, index)),
  ];
}

/** `sweep show sweep/<name>/data/<key> --sample <id>`: exit 0 with the chain, 1 when the product or row is not recorded, 2 for a malformed id. */
export async function sweepShowSampleCommand(workflowId: string, sampleId: string): Promise<number> {
  const match = /^(sweep\/[^/]+)\/data\/(.+)$/.exec(workflowId);
  if (match === null) {
    process.stderr.write(`synthlab: --sample needs a data product id, sweep/<name>/data/<product key> (got ${workflowId})\n`);
    return 2;
  }
  const [, sweepId, productKey] = match as unknown as [string, string, string];
  try {
    for (const line of await sampleProvenanceLines(artifactStoreFromEnvironment(artifactsDir()), sweepId, productKey, sampleId)) console.log(line);
    return 0;
  } catch (error) {
    if (!(error instanceof SampleNotFoundError)) throw error;
    process.stderr.write(`synthlab: ${error.message}\n`);
    return 1;
  }
}
