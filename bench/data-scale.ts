/**
 * The data stages at study D's scale, on the real functions, with text and model outputs made by
 * a seeded generator (bench/synthetic-data.ts) instead of an LLM and a teacher:
 *
 *   1. generate bookkeeping: N rows over three labels, requests of 10 lines kept in flight by
 *      keepInFlight, each reply parsed (parseGeneratedLines), folded in request order by
 *      LabelRequests (which drops repeats within a label) and appended as one line to the
 *      append-only request log; then the candidates and the request records as JSONL artifacts.
 *   2. dedupe: the candidates read back as the stage reads them, normalised exact duplicates and
 *      MinHash/LSH near-duplicates (--threshold), also against 2,000 test rows and the demos.
 *   3. artifacts: teacher probabilities [E=5, N, 3], the best checkpoint's [1, N, 3] and
 *      embeddings [N, 384] written as .npy artifacts (writeNpy) and read back (readNpy).
 *   4. select: each of the five methods at k per label (--per-label), with its diversity score,
 *      class balance, and the prompt/teacher agreement the annotate stage records.
 *
 * Prints seconds (wall and CPU) per stage and peak memory, and ends with
 *   data-scale: samples=<N> seconds=<x> peak_rss_mb=<n>
 *
 *   npm run bench -- data-scale [--samples 130000] [--per-label 2500] [--threshold 0.8] [--keep]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { requestLineSchema } from '../src/activities/generate';
import { keepInFlight } from '../src/activities/keep-in-flight';
import { candidateSchema, type Candidate } from '../src/activities/rows';
import { openAppendLog } from '../src/artifacts/append-log';
import { readNpy, writeNpy } from '../src/artifacts/npy';
import { ArtifactStore } from '../src/artifacts/store';
import { dedupeSamples } from '../src/stages/dedupe';
import { LabelRequests } from '../src/stages/label-requests';
import { parseGeneratedLines } from '../src/stages/parse-generations';
import { agreement, classBalance, diversityScore, SELECTION_METHODS, selectRows, type SelectionPool } from '../src/stages/selection';
import { positiveIntegerOption } from './options';
import { LABELS, SyntheticTexts, sentenceEmbeddings, teacherProbabilities } from './synthetic-data';

const SEED = 'data-scale';
const SAMPLES_PER_REQUEST = 10;
const CONCURRENCY = 64;
const EPOCHS = 5;
/** The checkpoint the bench calls best (as if dev F1 peaked at epoch 4 of 5). */
const BEST_EPOCH = 3;
const DIMENSION = 384;
const CLUSTERS_PER_LABEL = 25;

export interface DataScaleOptions {
  samples: number;
  perLabel: number;
  threshold: number;
  keep: boolean;
}

export function parseOptions(args: readonly string[]): DataScaleOptions {
  const options: DataScaleOptions = { samples: 130_000, perLabel: 2500, threshold: 0.8, keep: false };
  for (let index = 0; index < args.length; index += 1) {
    const flag = args[index];
    const value = args[index + 1];
    switch (flag) {
      case '--samples':
        options.samples = positiveIntegerOption(flag, value);
        index += 1;
        break;
      case '--per-label':
        options.perLabel = positiveIntegerOption(flag, value);
        index += 1;
        break;
      case '--threshold': {
        const threshold = Number(value);
        if (!(threshold > 0 && threshold <= 1)) throw new Error(`--threshold needs a Jaccard similarity in (0, 1], got "${value ?? ''}"`);
        options.threshold = threshold;
        index += 1;
        break;
      }
      case '--keep':
        options.keep = true;
        break;
      default:
        throw new Error(`unknown option "${flag}" (known: --samples, --per-label, --threshold, --keep)`);
    }
  }
  return options;
}

interface StageTime {
  name: string;
  wallSeconds: number;
  cpuSeconds: number;
}

function format(seconds: number): string {
  return seconds.toFixed(2);
}

async function timed<T>(times: StageTime[], name: string, work: () => Promise<T> | T, describe: (result: T) => string): Promise<T> {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const result = await work();
  const cpu = process.cpuUsage(cpuStart);
  const time = { name, wallSeconds: (performance.now() - wallStart) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  times.push(time);
  process.stdout.write(`  ${name.padEnd(22)} ${format(time.wallSeconds).padStart(6)} s  (cpu ${format(time.cpuSeconds)} s)  ${describe(result)}\n`);
  return result;
}

/** Splits `total` rows over the labels as evenly as possible (the first labels take the remainder). */
function targetsOf(total: number): number[] {
  return LABELS.map((_, label) => Math.floor(total / LABELS.length) + (label < total % LABELS.length ? 1 : 0));
}

/** Stage 1: the generate stage's bookkeeping with a scripted model that answers at once. */
export async function generateBookkeeping(store: ArtifactStore, workDir: string, texts: SyntheticTexts, samples: number) {
  const targets = targetsOf(samples);
  const plans = LABELS.map(
    (_, label) =>
      new LabelRequests({
        target: targets[label] as number,
        maxRequests: Math.ceil(((targets[label] as number) / SAMPLES_PER_REQUEST) * 2) + 10,
        samplesPerRequest: SAMPLES_PER_REQUEST,
        earlier: { requests: 0, samples: [] },
      }),
  );
  const log = await openAppendLog(join(workDir, 'requests.jsonl'), requestLineSchema);
  let requests = 0;
  let promptTokens = 0;
  try {
    let turn = 0;
    await keepInFlight(CONCURRENCY, () => {
      for (let offset = 0; offset < LABELS.length; offset += 1) {
        const label = (turn + offset) % LABELS.length;
        const plan = plans[label] as LabelRequests;
        const requestIndex = plan.next();
        if (requestIndex === undefined) continue;
        turn = (label + 1) % LABELS.length;
        return async () => {
          const lines = Array.from({ length: SAMPLES_PER_REQUEST }, (_, line) => `${line + 1}. ${texts.next(label)}`);
          const reply = `Here are ${SAMPLES_PER_REQUEST} reviews:\n${lines.join('\n')}`;
          const messages = [{ role: 'user', content: `Write ${SAMPLES_PER_REQUEST} ${LABELS[label]} movie reviews, one per line.` }];
          const kept = parseGeneratedLines(reply, { minChars: 10, maxChars: 400, finishReason: 'stop' }).kept;
          await log.append({
            label: LABELS[label] as string,
            requestIndex,
            messages,
            demosUsed: 0,
            model: 'synthetic',
            sampling: { temperature: 1, seed: requestIndex },
            reply,
            finishReason: 'stop',
            usage: { promptTokens: 20, completionTokens: reply.length / 4 },
            parsed: kept.length,
          });
          plan.finish(requestIndex, kept);
          requests += 1;
          promptTokens += 20;
        };
      }
      return undefined;
    });
  } finally {
    await log.close();
  }
  const candidates: Candidate[] = LABELS.flatMap((label, index) =>
    (plans[index] as LabelRequests).samples.map((sample, offset) => ({ id: `${label}-${offset}`, label, text: sample.text, requestIndex: sample.requestIndex })),
  );
  const records = LABELS.flatMap((label, index) =>
    Array.from({ length: (plans[index] as LabelRequests).requests }, (_, requestIndex) => ({ label, requestIndex, newUnique: (plans[index] as LabelRequests).addedBy(requestIndex) })),
  );
  const candidatesRef = await store.putJsonl(candidates);
  await store.putJsonl(records);
  return { candidatesRef, candidates: candidates.length, requests, promptTokens };
}

export async function run(args: string[]): Promise<number> {
  const options = parseOptions(args);
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const workDir = await mkdtemp(join(tmpdir(), 'synthlab-data-scale-'));
  const store = new ArtifactStore(join(workDir, 'artifacts'));
  const times: StageTime[] = [];
  process.stdout.write(
    `data-scale: ${options.samples} generated rows, 3 labels, near-duplicate threshold ${options.threshold}, k=${options.perLabel} per label, ` +
      `${EPOCHS} teacher epochs, ${DIMENSION}-dimensional embeddings; work folder ${workDir}\n`,
  );
  try {
    const texts = new SyntheticTexts(SEED);
    const generated = await timed(times, 'generate bookkeeping', () => generateBookkeeping(store, workDir, texts, options.samples), (result) =>
      `${result.requests} requests appended to the log, ${result.candidates} candidates`,
    );

    const deduped = await timed(
      times,
      'dedupe',
      async () => {
        const samples = await store.readJsonl(generated.candidatesRef, candidateSchema);
        const result = dedupeSamples(samples, {
          against: [
            ...texts.test.map((example) => ({ text: example.text, source: 'test' as const })),
            ...Object.values(texts.demos).flatMap((list) => list.map((demo) => ({ text: demo.text, source: 'demo' as const }))),
          ],
          nearDuplicates: { threshold: options.threshold },
        });
        await store.putJsonl(result.kept);
        await store.putJsonl(result.removed.map((removal) => ({ ...removal.sample, reason: removal.reason, duplicateOf: removal.duplicateOf, similarity: removal.similarity })));
        return result;
      },
      (result) => {
        const reasons: Record<string, number> = {};
        for (const removal of result.removed) reasons[removal.reason] = (reasons[removal.reason] ?? 0) + 1;
        return `${result.kept.length} kept; removed ${Object.entries(reasons).map(([reason, count]) => `${reason} ${count}`).join(', ')}`;
      },
    );
    const ids = deduped.kept.map((sample) => sample.id);
    const promptLabels = deduped.kept.map((sample) => LABELS.indexOf(sample.label as (typeof LABELS)[number]));
    const rows = ids.length;

    const refs = await timed(
      times,
      'write npy artifacts',
      async () => {
        const epochs = teacherProbabilities(promptLabels, EPOCHS, SEED);
        const best = epochs.slice(BEST_EPOCH * rows * LABELS.length, (BEST_EPOCH + 1) * rows * LABELS.length);
        const probabilities = await store.put(writeNpy([EPOCHS, rows, LABELS.length], epochs), 'npy');
        const bestProbabilities = await store.put(writeNpy([1, rows, LABELS.length], best), 'npy');
        const embeddings = await store.put(writeNpy([rows, DIMENSION], sentenceEmbeddings(promptLabels, DIMENSION, SEED)), 'npy');
        return { probabilities, bestProbabilities, embeddings };
      },
      (result) => `${((result.probabilities.bytes + result.bestProbabilities.bytes + result.embeddings.bytes) / 2 ** 20).toFixed(0)} MiB`,
    );

    const pool = await timed(
      times,
      'read npy artifacts',
      async (): Promise<SelectionPool> => {
        const probabilities = readNpy(await store.read(refs.probabilities));
        const best = readNpy(await store.read(refs.bestProbabilities));
        const embeddings = readNpy(await store.read(refs.embeddings));
        const expect = (name: string, shape: number[], expected: number[]) => {
          if (shape.join(',') !== expected.join(',')) throw new Error(`${name} has shape [${shape.join(', ')}], expected [${expected.join(', ')}]`);
        };
        expect('the teacher probabilities', probabilities.shape, [EPOCHS, rows, LABELS.length]);
        expect('the best probabilities', best.shape, [1, rows, LABELS.length]);
        expect('the embeddings', embeddings.shape, [rows, DIMENSION]);
        const perEpoch = rows * LABELS.length;
        return {
          ids,
          promptLabels,
          labels: LABELS,
          epochProbabilities: Array.from({ length: EPOCHS }, (_, epoch) => probabilities.data.subarray(epoch * perEpoch, (epoch + 1) * perEpoch)),
          best: best.data,
          embeddings: embeddings.data,
          dimension: DIMENSION,
        };
      },
      () => `[${EPOCHS}, ${rows}, 3] + [1, ${rows}, 3] + [${rows}, ${DIMENSION}] float32`,
    );

    await timed(
      times,
      'annotate agreement',
      () => {
        const best = pool.best as Float32Array;
        const teacherLabels = promptLabels.map((_, row) => {
          let top = 0;
          for (let label = 1; label < LABELS.length; label += 1) if ((best[row * 3 + label] as number) > (best[row * 3 + top] as number)) top = label;
          return top;
        });
        return agreement(promptLabels, teacherLabels, LABELS);
      },
      (result) => `prompt vs teacher: ${(result.overall * 100).toFixed(1)}% agree, kappa ${result.kappa.toFixed(3)}`,
    );

    for (const method of SELECTION_METHODS) {
      await timed(
        times,
        `select ${method}`,
        () => {
          const selection = selectRows(pool, { method, perLabel: options.perLabel, seed: 0, clustersPerLabel: CLUSTERS_PER_LABEL });
          const diversity = diversityScore(pool.embeddings as Float32Array, DIMENSION, selection.indices);
          const balance = classBalance(
            selection.indices.map((row) => promptLabels[row] as number),
            LABELS.length,
          );
          return { selection, diversity, balance };
        },
        ({ selection, diversity, balance }) =>
          `${selection.indices.length} rows, diversity ${diversity.toFixed(4)}, balance ${balance.entropyRatio.toFixed(3)}, ` +
          `shortfall ${Object.values(selection.shortfallByLabel).reduce((sum, count) => sum + count, 0)}`,
      );
    }
  } finally {
    if (!options.keep) await rm(workDir, { recursive: true, force: true });
  }

  const seconds = (performance.now() - wallStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const peakMegabytes = Math.round(process.resourceUsage().maxRSS / 1024);
  const stageSum = (prefix: string) => times.filter((time) => time.name.startsWith(prefix)).reduce((sum, time) => sum + time.wallSeconds, 0);
  process.stdout.write(
    `  total: ${format(seconds)} s wall, ${format((cpu.user + cpu.system) / 1e6)} s cpu (this process; the machine's other load is not excluded); ` +
      `selection ${format(stageSum('select '))} s\n`,
  );
  process.stdout.write(`data-scale: samples=${options.samples} seconds=${format(seconds)} peak_rss_mb=${peakMegabytes}\n`);
  return 0;
}
