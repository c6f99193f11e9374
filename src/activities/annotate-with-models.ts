/**
 * Study D's annotate stage (GPU queue): the teacher predicts class probabilities for every kept
 * generation (with every epoch checkpoint when a cartography method needs them) and the sentence
 * encoder embeds them, once per (teacher, data product): the result is recorded under exactly
 * those inputs, so every cell that selects from the product reads the same artifacts. Rows never
 * enter workflow history: the outputs are a .npy of probabilities [E, N, C], a JSONL of the best
 * checkpoint's predictions, a .npy of embeddings [N, D], and the agreement of the prompt's label
 * with the teacher's.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { resolveModelReference } from '../infra/paths';
import { hashOf } from '../shared/hash';
import { agreement } from '../stages/selection';
import type { ActivityDeps } from './deps';
import { mlPredictConfig } from './ml-configs';
import { runMlCommand } from './ml-runner';
import { annotatedRowSchema, mlRowOf } from './study-d-rows';
import {
  annotateWithModelsInputSchema,
  annotateWithModelsOutputSchema,
  type AnnotateWithModelsInput,
  type AnnotateWithModelsOutput,
} from './study-d-contracts';

const predictionLineSchema = z.looseObject({ pred: z.string(), probs: z.array(z.number()) });

/** The annotation's identity: the rows, the teacher's run, the checkpoints asked for and the encoder. */
export function annotationKey(input: AnnotateWithModelsInput): string {
  return hashOf({
    dataset: input.dataset.sha256,
    labels: input.labels,
    teacher: input.teacher === undefined ? undefined : { key: input.teacher.outcome.key, run: input.teacher.outcome.runKey, result: input.teacher.outcome.trainResult.sha256 },
    checkpoints: input.teacher === undefined ? undefined : input.checkpoints,
    embedding: { model: input.embedding.model, maxLength: input.embedding.maxLength },
  });
}

export function createAnnotateWithModelsActivity(deps: ActivityDeps) {
  return async function annotateWithModels(rawInput: AnnotateWithModelsInput): Promise<AnnotateWithModelsOutput> {
    const input = annotateWithModelsInputSchema.parse(rawInput);
    const key = annotationKey(input);
    const cached = await deps.store.lookup('annotate', key, annotateWithModelsOutputSchema);
    if (cached) return { ...cached, teacherInferences: 0, embeddingRuns: 0 };

    const workDir = deps.store.workDir('annotate', key);
    const context = Context.current();
    const rows = await deps.store.readJsonl(input.dataset, annotatedRowSchema);
    const inputFile = join(workDir, 'rows.jsonl');
    // The prompt's label travels too: the ML CLI then reports the teacher's accuracy against it.
    await mkdir(workDir, { recursive: true });
    await writeFile(inputFile, rows.map((row) => JSON.stringify(mlRowOf(row))).join('\n') + '\n');

    let teacherPart: Pick<AnnotateWithModelsOutput, 'teacherKey' | 'teacherPredictions' | 'teacherProbabilities' | 'agreement'> = {};
    if (input.teacher !== undefined) {
      const { outcome: teacher, training: teacherTraining } = input.teacher;
      const predictionsFile = join(workDir, 'teacher-predictions.jsonl');
      const probabilitiesFile = join(workDir, 'teacher-probabilities.npy');
      await runMlCommand({
        command: 'predict',
        configPath: join(workDir, 'predict-config.json'),
        config: mlPredictConfig(
          { modelDir: await deps.store.localModelDir(teacher.modelDir), inputFile, labels: input.labels, outputFile: predictionsFile, checkpoints: input.checkpoints, probabilitiesFile },
          teacherTraining,
        ),
        threads: teacherTraining.threads,
        signal: context.cancellationSignal,
        heartbeat: () => context.heartbeat({ stage: 'teacher-predict' }),
      });
      const predictionsText = await readFile(predictionsFile, 'utf8');
      const predictions = predictionsText
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => predictionLineSchema.parse(JSON.parse(line)));
      if (predictions.length !== rows.length) throw new Error(`the teacher predicted ${predictions.length} rows of ${rows.length} (${predictionsFile})`);
      const index = (label: string) => input.labels.indexOf(label);
      teacherPart = {
        teacherKey: teacher.key,
        teacherPredictions: await deps.store.put(predictionsText, 'jsonl'),
        teacherProbabilities: await deps.store.put(await readFile(probabilitiesFile), 'npy'),
        agreement: agreement(
          rows.map((row) => index(row.label)),
          predictions.map((prediction) => index(prediction.pred)),
          input.labels,
        ),
      };
    }

    const embeddingsFile = join(workDir, 'embeddings.npy');
    await runMlCommand({
      command: 'embed',
      configPath: join(workDir, 'embed-config.json'),
      config: {
        model_dir: resolveModelReference(input.embedding.model),
        input_file: inputFile,
        output_file: embeddingsFile,
        batch_size: input.embedding.batchSize,
        max_length: input.embedding.maxLength,
        device: input.teacher?.training.device ?? 'auto',
      },
      threads: input.teacher?.training.threads,
      signal: context.cancellationSignal,
      heartbeat: () => context.heartbeat({ stage: 'embed' }),
    });
    const output: AnnotateWithModelsOutput = {
      ...teacherPart,
      embeddings: await deps.store.put(await readFile(embeddingsFile), 'npy'),
      teacherInferences: input.teacher === undefined ? 0 : 1,
      embeddingRuns: 1,
    };
    await deps.store.record('annotate', key, output);
    return output;
  };
}
