import { z } from 'zod';
import { isLanguageCode, LANGUAGE_CODES } from './languages';

export const SPLIT_NAMES = ['train', 'dev', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];
export const SplitNameSchema = z.enum(SPLIT_NAMES);

export const FILE_PLACEHOLDERS = ['lang', 'flores'] as const;

const languageCodeSchema = z.string().refine(isLanguageCode, {
  error: (issue) => `unknown language code "${String(issue.input)}" (valid: ${LANGUAGE_CODES.join(', ')})`,
});

const filePathTemplateSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((template) => [...template.matchAll(/\{([^}]*)\}/g)].every((match) => (FILE_PLACEHOLDERS as readonly string[]).includes(match[1] ?? '')), {
    error: (issue) => `file path "${String(issue.input)}" may only use the placeholders {lang} and {flores}`,
  });

/** A column named by its header, or by its 0-based position (required for headerless files). */
const columnSchema = z.union([z.string().min(1).max(1000), z.number().int().nonnegative().max(100_000)]);
export type ColumnRef = z.infer<typeof columnSchema>;

export const DatasetSpecSchema = z
  .object({
    name: z.string().min(1).max(64),
    /** Short task description for prompts and reports, e.g. "intent recognition". */
    task: z.string().min(1).max(2000),
    /** What one label is called in prose ("This intent involves …"). */
    labelKind: z.string().min(1).max(200),
    format: z.enum(['csv', 'tsv', 'tsv-headerless']),
    /** Paths relative to the data root, with {lang} / {flores} placeholders. */
    files: z.object({
      train: filePathTemplateSchema.optional(),
      dev: filePathTemplateSchema.optional(),
      test: filePathTemplateSchema,
    }),
    /**
     * Splits that are not stored and must be carved out of another split by a later stage
     * (e.g. XNLI ships only a dev file, registered as test; train is derived from it).
     */
    derivedSplits: z.partialRecord(SplitNameSchema, z.object({ from: SplitNameSchema })).optional(),
    columns: z.object({
      id: columnSchema.optional(),
      text: columnSchema,
      textPair: columnSchema.optional(),
      label: columnSchema,
    }),
    /** Raw label value -> label name; raw values absent from the map are used as they are. */
    labelMap: z.record(z.string().max(1000), z.string().min(1).max(1000)).optional(),
    /** The label set, in a fixed order (used for label indices and reports). */
    labels: z.array(z.string().min(1).max(200)).min(2).max(1000),
    languages: z.array(languageCodeSchema).min(1).max(500),
    /** Per-split restriction of `languages` (e.g. a language that has only a test file). */
    languagesBySplit: z.partialRecord(SplitNameSchema, z.array(languageCodeSchema)).optional(),
    /**
     * Files may lie outside the data root (set from the sweep config's allowPathsOutsideDataRoot;
     * absent otherwise, so the spec and every key hashed from it stay as they were).
     */
    allowPathsOutsideDataRoot: z.literal(true).optional(),
  })
  .superRefine((spec, context) => {
    if (new Set(spec.labels).size !== spec.labels.length) {
      context.addIssue({ code: 'custom', path: ['labels'], message: 'labels must be unique' });
    }
    for (const [raw, mapped] of Object.entries(spec.labelMap ?? {})) {
      if (!spec.labels.includes(mapped)) {
        context.addIssue({
          code: 'custom',
          path: ['labelMap', raw],
          message: `labelMap maps "${raw}" to "${mapped}", which is not in labels (${spec.labels.join(', ')})`,
        });
      }
    }
    if (spec.format === 'tsv-headerless') {
      for (const [role, column] of Object.entries(spec.columns)) {
        if (typeof column === 'string') {
          context.addIssue({
            code: 'custom',
            path: ['columns', role],
            message: `a headerless file needs 0-based column indexes, got the name "${column}"`,
          });
        }
      }
    }
    for (const [split, codes] of Object.entries(spec.languagesBySplit ?? {})) {
      for (const code of codes ?? []) {
        if (!spec.languages.includes(code)) {
          context.addIssue({
            code: 'custom',
            path: ['languagesBySplit', split],
            message: `language "${code}" is listed for split ${split} but not in languages`,
          });
        }
      }
    }
    for (const [split, derivation] of Object.entries(spec.derivedSplits ?? {})) {
      if (!derivation) continue;
      if (spec.files[split as SplitName] !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['derivedSplits', split],
          message: `split ${split} has a file and cannot also be derived`,
        });
      }
      if (spec.files[derivation.from] === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['derivedSplits', split, 'from'],
          message: `split ${split} is derived from ${derivation.from}, which has no file`,
        });
      }
    }
  });

export type DatasetSpec = z.infer<typeof DatasetSpecSchema>;
export type DatasetSpecInput = z.input<typeof DatasetSpecSchema>;

/** Validates a spec; the error lists every problem with its path. */
export function parseDatasetSpec(input: unknown): DatasetSpec {
  const result = DatasetSpecSchema.safeParse(input);
  if (!result.success) {
    const name = typeof input === 'object' && input !== null && 'name' in input ? String(input.name) : '(unnamed)';
    throw new Error(`Invalid dataset spec "${name}":\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** Splits stored as files, in train/dev/test order. */
export function storedSplits(spec: DatasetSpec): SplitName[] {
  return SPLIT_NAMES.filter((split) => spec.files[split] !== undefined);
}

/** Languages that have a file for this split. */
export function languagesForSplit(spec: DatasetSpec, split: SplitName): string[] {
  if (spec.files[split] === undefined) return [];
  return spec.languagesBySplit?.[split] ?? spec.languages;
}
