import { z } from 'zod';

export { PACKAGED_MODEL_PREFIX } from '../shared/constants';

/**
 * Where an OpenAI-compatible server is: http or https only (a bare `localhost:8000/v1` parses as a
 * URL with the scheme `localhost:`), and no credentials in it (they would travel in workflow
 * history; the key's variable is `apiKeyEnv`). Messages do not repeat the URL.
 */
const serverUrlSchema = z
  .url()
  .max(2048)
  .superRefine((value, context) => {
    // Refinements run after a failed check too: a value that is no URL at all has its issue already.
    if (!URL.canParse(value)) return;
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      const found = value.includes('://') ? `found ${url.protocol}//` : 'found no scheme';
      context.addIssue({ code: 'custom', message: `must start with http:// or https:// (${found}), e.g. http://localhost:8000/v1` });
    }
    if (url.username !== '' || url.password !== '') {
      context.addIssue({ code: 'custom', message: 'must not hold a user name or password; put the key in an environment variable named by apiKeyEnv' });
    }
  });

export const localGgufConfigSchema = z
  .object({
    kind: z.literal('local-gguf'),
    /** A path to a .gguf file, or `packaged:<name>` for a model shipped in the ML venv. */
    model: z.string().min(1).max(4096),
    contextSize: z.number().int().positive().max(1_048_576).default(2048),
    threads: z.number().int().positive().max(1024).optional(),
    concurrency: z.number().int().positive().max(1024).default(1),
    gpu: z.union([z.literal(false), z.literal('auto')]).default(false),
  })
  .strict();

export const openAICompatibleConfigSchema = z
  .object({
    kind: z.literal('openai-compatible'),
    baseURL: serverUrlSchema,
    model: z.string().min(1).max(1000),
    /** The NAME of the environment variable holding the API key; the key itself never appears in config. */
    apiKeyEnv: z
      .string()
      .max(256)
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name, not a key')
      .default('OPENAI_API_KEY'),
    concurrency: z.number().int().positive().max(1024).default(8),
    timeoutMs: z.number().int().positive().max(86_400_000).default(120_000),
    /**
     * How long one request may keep meeting faults (429, 5xx, timeouts, resets, unusable replies),
     * retried with backoff, before it fails its activity attempt; 0 fails the attempt at the first
     * fault. Operational: not part of a data product's key.
     */
    faultBudgetSeconds: z.number().int().min(0).max(86_400).default(300),
    contextSize: z.number().int().positive().max(1_048_576).optional(),
    /**
     * How the server constrains a classifier's answer to the label set, when it can: vLLM's
     * `guided_choice`, or a JSON-schema `response_format` (the reply is then a JSON string).
     * Opt-in, because a server that does not know the field may refuse the request.
     */
    constrainChoices: z.enum(['guided-choice', 'json-schema']).optional(),
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
