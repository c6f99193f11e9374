import { z } from 'zod';

export { PACKAGED_MODEL_PREFIX } from '../shared/constants';

export const localGgufConfigSchema = z
  .object({
    kind: z.literal('local-gguf'),
    /** A path to a .gguf file, or `packaged:<name>` for a model shipped in the ML venv. */
    model: z.string().min(1),
    contextSize: z.number().int().positive().default(2048),
    threads: z.number().int().positive().optional(),
    concurrency: z.number().int().positive().default(1),
    gpu: z.union([z.literal(false), z.literal('auto')]).default(false),
  })
  .strict();

export const openAICompatibleConfigSchema = z
  .object({
    kind: z.literal('openai-compatible'),
    baseURL: z.url(),
    model: z.string().min(1),
    /** The NAME of the environment variable holding the API key; the key itself never appears in config. */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name, not a key')
      .default('OPENAI_API_KEY'),
    concurrency: z.number().int().positive().default(8),
    timeoutMs: z.number().int().positive().default(120_000),
    contextSize: z.number().int().positive().optional(),
  })
  .strict();

export const providerConfigSchema = z.discriminatedUnion('kind', [
  localGgufConfigSchema,
  openAICompatibleConfigSchema,
]);

export type LocalGgufConfig = z.output<typeof localGgufConfigSchema>;
export type OpenAICompatibleConfig = z.output<typeof openAICompatibleConfigSchema>;
export type ProviderConfig = z.output<typeof providerConfigSchema>;
/** What a user may write (defaults not yet applied). */
export type ProviderConfigInput = z.input<typeof providerConfigSchema>;

export function parseProviderConfig(input: unknown): ProviderConfig {
  return providerConfigSchema.parse(input);
}
