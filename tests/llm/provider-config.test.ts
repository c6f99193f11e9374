import { describe, expect, it } from 'vitest';
import { parseProviderConfig } from '../../src/llm/provider-config';

describe('providerConfigSchema', () => {
  it('applies local-gguf defaults', () => {
    expect(parseProviderConfig({ kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' })).toEqual({
      kind: 'local-gguf',
      model: 'packaged:smollm2-135m-instruct',
      contextSize: 2048,
      concurrency: 1,
      gpu: false,
    });
  });

  it('applies openai-compatible defaults', () => {
    expect(parseProviderConfig({ kind: 'openai-compatible', baseURL: 'http://127.0.0.1:8000/v1', model: 'm' })).toEqual({
      kind: 'openai-compatible',
      baseURL: 'http://127.0.0.1:8000/v1',
      model: 'm',
      apiKeyEnv: 'OPENAI_API_KEY',
      concurrency: 8,
      timeoutMs: 120_000,
      faultBudgetSeconds: 300,
    });
  });

  it('rejects a key pasted where the env var name belongs, an unknown kind and a bad URL', () => {
    const base = { kind: 'openai-compatible', baseURL: 'http://127.0.0.1:8000/v1', model: 'm' };
    expect(() => parseProviderConfig({ ...base, apiKeyEnv: 'sk-abc-123' })).toThrow();
    expect(() => parseProviderConfig({ ...base, apiKey: 'sk-abc' })).toThrow();
    expect(() => parseProviderConfig({ ...base, baseURL: 'not a url' })).toThrow();
    expect(() => parseProviderConfig({ kind: 'magic', model: 'm' })).toThrow();
  });
});
