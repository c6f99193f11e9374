/**
 * The pre-flight's pieces, each on real files in a scratch folder: strict UTF-8, the secret
 * detector, the linear duplicate check, model resolution (packaged, local, hub cache), the data
 * files a sweep reads, prompt files, name lengths, and the whole pre-flight listing every problem.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkDataFiles, splitsRead } from '../../src/config/checks/data-files';
import { checkGgufModel, checkModels, checkTrainingModel, hubIsOffline, hubModelIsCached } from '../../src/config/checks/models';
import { checkNames } from '../../src/config/checks/names';
import { checkPromptFiles, promptFilesUsed } from '../../src/config/checks/prompts';
import { collectDatasets, ConfigError, parseSweepConfig } from '../../src/config/load';
import { preflightSweepConfig } from '../../src/config/preflight';
import { listedTwice, type SweepConfig } from '../../src/config/schema';
import { findSecretLikeValues, looksLikeSecret } from '../../src/config/secrets';
import { checkUtf8, decodeUtf8Strict, firstInvalidUtf8Offset, TextEncodingError } from '../../src/data/text-encoding';
import { dataRootDefault } from '../../src/data/readers';
import { repoRoot } from '../../src/infra/paths';
import { parseTemplateFile } from '../../src/stages/prompts';
import { TOY_DATASET } from '../helpers/toy-dataset';

const scratch = mkdtempSync(join(tmpdir(), 'synthlab-preflight-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function folder(name: string): string {
  const path = join(scratch, name);
  mkdirSync(path, { recursive: true });
  return path;
}

const base = {
  name: 'unit',
  tasks: [{ dataset: 'toy' }],
  languages: ['en'],
  strategies: ['TargetDemos'],
  generators: [{ name: 'local', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }],
  seeds: [1],
  generation: { samplesPerLabel: 4 },
  selection: { perLabel: 2 },
  training: { model: 'packaged:all-minilm-l6-v2', devPerLabel: 1 },
  datasets: {
    toy: TOY_DATASET,
  },
};

const GOOD_TRAIN = 'id,text,label\n1,a fine day,pos\n2,a lovely film,pos\n3,a dull day,neg\n4,a bad film,neg\n';
const GOOD_TEST = 'id,text,label\n1,nice,pos\n2,awful,neg\n';

function configOf(overrides: object = {}): SweepConfig {
  return parseSweepConfig({ ...base, ...overrides }, 'unit');
}

describe('strict UTF-8', () => {
  it('accepts UTF-8 with and without a byte-order mark, and drops the mark', () => {
    expect(decodeUtf8Strict(Buffer.from('\uFEFFCymraeg: ŵ ŷ, עברית, 😀'))).toBe('Cymraeg: ŵ ŷ, עברית, 😀');
    expect(decodeUtf8Strict(Buffer.from('plain'))).toBe('plain');
  });

  it('names Latin-1 bytes with their line, never replacing them', () => {
    const latin1 = Buffer.concat([Buffer.from('one\ntwo\ncaf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(() => checkUtf8(latin1)).toThrow(TextEncodingError);
    expect(() => checkUtf8(latin1)).toThrow(/^line 3: invalid UTF-8 at byte 11 \(the file may be Latin-1/);
  });

  it('finds overlong forms, surrogates, truncated sequences and stray continuation bytes', () => {
    expect(firstInvalidUtf8Offset(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8Offset(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8Offset(Buffer.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2);
    expect(firstInvalidUtf8Offset(Buffer.from([0x80]))).toBe(0);
    expect(firstInvalidUtf8Offset(Buffer.from('€ and 😀'))).toBe(-1);
  });

  it('names UTF-16, with or without a byte-order mark, and NUL bytes', () => {
    expect(() => checkUtf8(Buffer.from('\uFEFFname: x', 'utf16le'))).toThrow(/UTF-16 \(little-endian byte-order mark\)/);
    expect(() => checkUtf8(Buffer.from([0xfe, 0xff, 0x00, 0x61]))).toThrow(/UTF-16 \(big-endian/);
    expect(() => checkUtf8(Buffer.from('name: x\n', 'utf16le'))).toThrow(/looks like UTF-16 without a byte-order mark/);
    expect(() => checkUtf8(Buffer.from('text\nmore text and more\u0000\n'))).toThrow(/^line 2: NUL byte/);
  });
});

describe('secrets in a config', () => {
  it.each([
    'sk-Abc123XyZ789qwertYUIOP456asdfGHJK',
    'sk-proj-Abc123XyZ789qwertYUIOP456asdfGHJKzz',
    'sk_live_51HxQ2eKz8vTq9LmN3pR7sW4y',
    'rk_test_4eC39HqLyjWDarjtT1zdp7dc',
    'hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
    'ghp_0123456789abcdefABCDEF0123456789abcd',
    'AKIAIOSFODNN7EXAMPLE',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    'Q2hhbmdlTWVQbGVhc2U9X2tleV8zOGZhOTJiMWM0ZDdl7Xz',
    'http://host:8000/v1?api_key=sk-Abc123XyZ789qwertYUIOP456asdfGHJK',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIE…',
  ])('%s looks like a secret', (value) => {
    expect(looksLikeSecret(value)).toBe(true);
  });

  it.each([
    'VLLM_API_KEY',
    'OPENAI_API_KEY',
    'meta-llama/Meta-Llama-3-70B-Instruct',
    'packaged:multilingual-e5-small',
    'sentiment/{lang}-train_human_parsed.csv',
    '/home/researcher/data/sib200/cym_Latn/train.tsv',
    '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    '123e4567-e89b-12d3-a456-426614174000',
    'sk-llama-3-8b-instruct-v2',
    'topic classification of sentences',
    'http://vllm-llama-70b:8000/v1',
  ])('%s does not', (value) => {
    expect(looksLikeSecret(value)).toBe(false);
  });

  it('finds the field of each, keys included, and the shipped configs have none', () => {
    expect(findSecretLikeValues({ a: [{ b: 'sk_live_51HxQ2eKz8vTq9LmN3pR7sW4y' }], ['sk_live_51HxQ2eKz8vTq9LmN3pR7sW4y']: 1 })).toEqual([['a', 0, 'b'], ['(a key)']]);
    for (const file of readdirSync(join(repoRoot, 'configs'))) {
      expect(findSecretLikeValues(parseYaml(readFileSync(join(repoRoot, 'configs', file), 'utf8'))), file).toEqual([]);
    }
  });

  it('a key as apiKeyEnv is refused without being repeated', () => {
    const key = 'sk_live_51HxQ2eKz8vTq9LmN3pR7sW4y';
    const error = (() => {
      try {
        parseSweepConfig({ ...base, generators: [{ name: 'remote', provider: { kind: 'openai-compatible', baseURL: 'http://h/v1', model: 'm', apiKeyEnv: key } }] }, 'x');
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/generators\.0\.provider\.apiKeyEnv: looks like an API key or token/);
    expect(error?.message).not.toContain(key);
  });
});

describe('schema bounds', () => {
  it('checks duplicates in linear time: 400,000 seeds in well under a second', () => {
    const seeds = Array.from({ length: 400_000 }, (_, index) => index);
    const started = performance.now();
    expect(listedTwice([...seeds, 7, 7])).toEqual([7]);
    expect(performance.now() - started).toBeLessThan(1_000);
    const parseStarted = performance.now();
    expect(() => parseSweepConfig({ ...base, seeds }, 'x')).toThrow(/seeds: Too big: expected array to have <=10000 items/);
    expect(performance.now() - parseStarted).toBeLessThan(3_000);
  });

  it('bounds sizes, names and the grid', () => {
    expect(() => configOf({ generation: { samplesPerLabel: 1e12 } })).toThrow(/generation\.samplesPerLabel: Too big/);
    expect(() => configOf({ name: 'a'.repeat(500) })).toThrow(/name: Too big: expected string to have <=64 characters/);
    const grid = { tasks: [{ dataset: 'a' }, { dataset: 'b' }], languages: ['en', 'de', 'fr', 'cy', 'he', 'sw'], strategies: ['TargetDemos', 'SL'], seeds: Array.from({ length: 10_000 }, (_, index) => index) };
    expect(() => parseSweepConfig({ ...base, ...grid }, 'x')).toThrow(/seeds: the grid has 360000 cells/);
    expect(() => configOf({ generation: { samplesPerLabel: 4, minChars: 50, maxChars: 20 } })).toThrow(/generation\.minChars: is 50, more than generation\.maxChars/);
  });

  it.each([
    ['localhost:8000/v1', /must start with http:\/\/ or https:\/\/ \(found no scheme\)/],
    ['ftp://models.example/v1', /must start with http:\/\/ or https:\/\/ \(found ftp:\/\/\)/],
    ['http://user:secret@host/v1', /must not hold a user name or password/],
  ])('baseURL %s is refused and not repeated', (baseURL, message) => {
    const run = () => configOf({ generators: [{ name: 'remote', provider: { kind: 'openai-compatible', baseURL, model: 'm', apiKeyEnv: 'KEY' } }] });
    expect(run).toThrow(message);
    expect(run).not.toThrow(/secret@/);
  });
});

describe('models', () => {
  it('offline unless HF_HUB_OFFLINE says otherwise (the ML CLI defaults to 1)', () => {
    expect(hubIsOffline({})).toBe(true);
    expect(hubIsOffline({ HF_HUB_OFFLINE: '0' })).toBe(false);
    expect(hubIsOffline({ HF_HUB_OFFLINE: 'true' })).toBe(true);
  });

  it('a hub id offline must be in the cache, as transformers finds it (refs/main → snapshot with config.json)', () => {
    const cache = folder('hf-cache');
    const env = { HF_HUB_CACHE: cache };
    expect(checkTrainingModel('xlm-roberta-base', 'training.model', env)).toEqual([
      expect.objectContaining({ field: 'training.model', message: expect.stringMatching(/"xlm-roberta-base" is a Hugging Face hub id, the workers are offline .* not in the local cache/) }),
    ]);
    expect(checkTrainingModel('xlm-roberta-base', 'training.model', { ...env, HF_HUB_OFFLINE: '0' })).toEqual([]);
    const repo = join(cache, 'models--FacebookAI--xlm-roberta-base');
    mkdirSync(join(repo, 'snapshots', 'abc123'), { recursive: true });
    writeFileSync(join(repo, 'snapshots', 'abc123', 'config.json'), '{}');
    expect(hubModelIsCached('FacebookAI/xlm-roberta-base', env)).toBe(false);
    mkdirSync(join(repo, 'refs'));
    writeFileSync(join(repo, 'refs', 'main'), 'abc123\n');
    expect(hubModelIsCached('FacebookAI/xlm-roberta-base', env)).toBe(true);
    expect(checkTrainingModel('FacebookAI/xlm-roberta-base', 'training.model', env)).toEqual([]);
    expect(checkTrainingModel('FacebookAI/xlm-roberta-base', 'training.model', { HF_HOME: scratch, HF_HUB_CACHE: undefined })).toHaveLength(1);
  });

  it('packaged encoders resolve in the ML venv; a missing venv, a folder without config.json and a missing path are named', () => {
    expect(checkTrainingModel('packaged:all-minilm-l6-v2', 'training.model', {})).toEqual([]);
    expect(checkTrainingModel('packaged:all-minilm-l6-v2', 'training.model', { SYNTHLAB_ML_VENV: folder('empty-venv') })[0]?.message).toMatch(/is not installed in the ML venv/);
    expect(checkTrainingModel('packaged:nope', 'training.model', {})[0]?.message).toMatch(/unknown packaged model "packaged:nope"/);
    const noConfig = folder('model-without-config');
    expect(checkTrainingModel(noConfig, 'training.model', {})[0]).toMatchObject({ file: noConfig, message: 'not a model folder: it has no config.json' });
    expect(checkTrainingModel(join(scratch, 'absent-model'), 'training.model', {})[0]?.message).toBe('model folder not found');
    expect(checkTrainingModel('~/models/bert', 'training.model', {})[0]?.message).toMatch(/~ is not expanded/);
  });

  it('GGUF generators: packaged, missing, not GGUF, and a file that starts with the magic bytes', async () => {
    expect(await checkGgufModel('packaged:smollm2-135m-instruct', 'm', {})).toEqual([]);
    expect((await checkGgufModel('packaged:smollm2-135m-instruct', 'm', { SYNTHLAB_ML_VENV: folder('empty-venv') }))[0]?.message).toMatch(/GGUF model file not found/);
    expect((await checkGgufModel(join(scratch, 'absent.gguf'), 'm', {}))[0]?.message).toBe('GGUF model file not found');
    writeFileSync(join(scratch, 'text.gguf'), 'not a model');
    expect((await checkGgufModel(join(scratch, 'text.gguf'), 'm', {}))[0]?.message).toMatch(/does not start with the bytes "GGUF"/);
    writeFileSync(join(scratch, 'tiny.gguf'), Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(12)]));
    expect(await checkGgufModel(join(scratch, 'tiny.gguf'), 'm', {})).toEqual([]);
  });

  it('an apiKeyEnv that is not set is named', async () => {
    const generators = [{ name: 'remote', provider: { kind: 'openai-compatible' as const, baseURL: 'http://h/v1', model: 'm', apiKeyEnv: 'SYNTHLAB_TEST_UNSET_KEY', concurrency: 1, timeoutMs: 1000, faultBudgetSeconds: 0 } }];
    expect(await checkModels({ generators }, {})).toEqual([expect.objectContaining({ field: 'generators.0.provider.apiKeyEnv', message: expect.stringMatching(/SYNTHLAB_TEST_UNSET_KEY is not set/) })]);
    expect(await checkModels({ generators }, { SYNTHLAB_TEST_UNSET_KEY: 'none' })).toEqual([]);
  });

  it("a classifier's own model is checked like a generator's, under classifiers.<i>", async () => {
    const classifiers = [
      { generator: 'remote', mode: 'zero-shot' as const, seed: 0, maxTokens: 16 },
      { name: 'local', provider: { kind: 'local-gguf' as const, model: '/nowhere/model.gguf', contextSize: 2048, concurrency: 1, gpu: false as const }, mode: 'zero-shot' as const, seed: 0, maxTokens: 16 },
    ];
    expect(await checkModels({ classifiers }, {})).toEqual([expect.objectContaining({ field: 'classifiers.1.provider.model' })]);
  });
});

describe('data files', () => {
  function dataRootWith(name: string, files: Record<string, string | Buffer>): string {
    const root = folder(name);
    for (const [file, content] of Object.entries(files)) writeFileSync(join(root, file), content);
    return root;
  }
  async function check(config: SweepConfig, root: string) {
    return checkDataFiles(config, collectDatasets(config).datasets, root);
  }

  it('reads what the strategies read: English train for English demos and LLM label summaries, not for a descriptions file', () => {
    const config = configOf({ languages: ['cy'], tasks: [{ dataset: 'sib200' }], datasets: {} });
    const datasets = collectDatasets(config).datasets;
    const splits = (overrides: object) => splitsRead({ ...config, ...overrides }, datasets).map((read) => `${read.language}/${read.split}`);
    expect(splits({})).toEqual(['cy/train', 'cy/dev', 'cy/test']);
    expect(splits({ strategies: ['EnglishDemos+Revision'] })).toEqual(['cy/train', 'cy/dev', 'cy/test', 'en/train']);
    expect(splits({ strategies: ['SL'] })).toEqual(['cy/train', 'cy/dev', 'cy/test', 'en/train']);
    expect(splits({ strategies: ['SL'], labelDescriptions: { source: 'file', path: 'x.csv', labelColumn: 'intent', descriptionColumn: 'description' } })).toEqual(['cy/train', 'cy/dev', 'cy/test']);
  });

  it('the shared data passes for the demo tasks', async () => {
    const config = configOf({ languages: ['cy', 'he'], tasks: [{ dataset: 'sib200' }], datasets: {} });
    expect(await check(config, dataRootDefault())).toEqual([]);
  });

  it('a good toy dataset passes; every problem of a bad one is listed with file and line', async () => {
    expect(await check(configOf(), dataRootWith('good', { 'en-train.csv': GOOD_TRAIN, 'en-test.csv': GOOD_TEST }))).toEqual([]);
    const root = dataRootWith('bad', { 'en-train.csv': 'id,text,label\n1,fine,pos\n2, ,neg\n3,odd,maybe\n4,bad,neg\n', 'en-test.csv': 'id,text\n1,x\n' });
    const problems = await check(configOf(), root);
    expect(problems.map((problem) => [problem.file?.replace(root, ''), problem.line, problem.message])).toEqual([
      ['/en-train.csv', 3, 'empty text (column "text")'],
      ['/en-train.csv', 4, 'the label (column "label") is not in the label set (pos, neg)'],
      ['/en-test.csv', 1, 'missing column "label" (for label): the header has 2 fields, with column "id" and column "text"'],
    ]);
    expect(JSON.stringify(problems)).not.toContain('maybe');
  });

  it('a path out of the data root is refused, unless the config allows it; no content is quoted either way', async () => {
    const root = dataRootWith('escape', { 'en-test.csv': GOOD_TEST });
    writeFileSync(join(scratch, 'outside.csv'), 'root:x:0:0:root:/root:/bin/bash\n');
    const escaping = { datasets: { toy: { ...base.datasets.toy, files: { train: '../outside.csv', test: '{lang}-test.csv' } } } };
    const refused = await check(configOf(escaping), root);
    expect(refused).toEqual([expect.objectContaining({ field: 'datasets.toy.files.train, language en', file: join(scratch, 'outside.csv'), message: expect.stringMatching(/outside the data root .* allowPathsOutsideDataRoot: true/) })]);
    const allowed = await check(configOf({ ...escaping, allowPathsOutsideDataRoot: true }), root);
    expect(allowed.map((problem) => problem.message)).toEqual([expect.stringMatching(/^missing column "id" \(for id\), column "text" \(for text\), column "label" \(for label\): the header has 1 field$/)]);
    expect(JSON.stringify(allowed)).not.toContain('root:x');
  });

  it('a symlink to /dev/zero, a folder, a missing data root, and a derived train split read from its stored file', async () => {
    const root = dataRootWith('devices', { 'en-test.csv': GOOD_TEST });
    symlinkSync('/dev/zero', join(root, 'en-train.csv'));
    expect((await check(configOf(), root)).map((problem) => problem.message)).toEqual(['not a regular file (a device, pipe or socket)']);
    expect(await check(configOf({ dataRoot: join(scratch, 'no-such-root') }), join(scratch, 'no-such-root'))).toEqual([
      { field: 'dataRoot', message: `the data root ${join(scratch, 'no-such-root')} does not exist` },
    ]);
    const xnli = configOf({ tasks: [{ dataset: 'xnli' }], datasets: {} });
    // XNLI stores only its dev files (registered as test); its train split is carved out of them (readers.ts).
    expect(await check(xnli, dataRootDefault())).toEqual([]);
    // A language XNLI has no file for: its test split and the train split carved out of it are one missing file, named once.
    const xnliInWelsh = configOf({ tasks: [{ dataset: 'xnli' }], languages: ['cy'], datasets: {} });
    expect((await check(xnliInWelsh, dataRootDefault())).map((problem) => `${problem.field}: ${problem.message}`)).toEqual([
      'tasks.0 (dataset xnli), language cy: dataset xnli has no test data for language "cy" (available: en, hi, sw, ur)',
    ]);
  });

  it('a label without rows, and too few rows to hold out the dev set', async () => {
    const onlyPositive = 'id,text,label\n1,a fine day,pos\n2,a good day,pos\n';
    expect((await check(configOf(), dataRootWith('one-label', { 'en-train.csv': onlyPositive, 'en-test.csv': GOOD_TEST }))).map((problem) => problem.message)).toEqual([
      'no row has the label "neg": its demos would be empty and the gold baseline could not learn it',
    ]);
    const thin = 'id,text,label\n1,a fine day,pos\n2,a bad day,neg\n';
    expect((await check(configOf(), dataRootWith('thin', { 'en-train.csv': thin, 'en-test.csv': GOOD_TEST }))).map((problem) => problem.message)).toEqual([
      expect.stringMatching(/the label "pos" has 1 row; with no dev split, training.devPerLabel \(1\)/),
      expect.stringMatching(/the label "neg" has 1 row/),
    ]);
  });

  it('a label-descriptions file: columns and one description per label', async () => {
    const root = dataRootWith('descriptions', { 'en-train.csv': GOOD_TRAIN, 'en-test.csv': GOOD_TEST, 'descriptions.csv': 'intent,description\npos,Good things.\n' });
    const settings = { source: 'file', path: join(root, 'descriptions.csv'), labelColumn: 'intent', descriptionColumn: 'description' };
    const problems = await check(configOf({ strategies: ['TargetDemos+SL'], labelDescriptions: settings }), root);
    expect(problems).toEqual([expect.objectContaining({ field: 'labelDescriptions.path', message: 'no description for label(s): neg (of dataset toy)' })]);
    const wrongColumn = await check(configOf({ strategies: ['TargetDemos+SL'], labelDescriptions: { ...settings, descriptionColumn: 'text' } }), root);
    expect(wrongColumn[0]?.message).toBe('missing column "text" (descriptionColumn): the header has 2 fields');
  });
});

describe('prompt files', () => {
  it('uses the templates of the strategies only', () => {
    const config = configOf({ strategies: ['TargetDemos+Revision', 'SL'] });
    expect(promptFilesUsed(config).map((used) => used.field)).toEqual(['generation.prompts.targetDemos', 'revision.prompt', 'generation.prompts.summarizedLabel', 'labelDescriptions.prompt']);
  });

  it('the shipped templates pass; a missing, a non-UTF-8 and an invalid template are named', async () => {
    expect(await checkPromptFiles(configOf({ strategies: ['TargetDemos+SL+Revision', 'EnglishDemos+SL'] }), parseTemplateFile)).toEqual([]);
    writeFileSync(join(scratch, 'latin1.md'), Buffer.concat([Buffer.from('---\nversion: 1\n---\ncaf'), Buffer.from([0xe9])]));
    writeFileSync(join(scratch, 'invalid.md'), 'no front matter\n');
    const prompts = { targetDemos: join(scratch, 'absent.md'), englishDemos: join(scratch, 'latin1.md'), summarizedLabel: join(scratch, 'invalid.md') };
    const problems = await checkPromptFiles(configOf({ strategies: ['TargetDemos', 'EnglishDemos+Revision', 'SL'], generation: { samplesPerLabel: 4, prompts } }), parseTemplateFile);
    expect(problems.map((problem) => [problem.field, problem.line ?? 0, problem.message])).toEqual([
      ['generation.prompts.targetDemos', 0, 'file not found'],
      ['generation.prompts.englishDemos', 4, expect.stringMatching(/invalid UTF-8/)],
      ['generation.prompts.summarizedLabel', 0, 'not a valid prompt template: must start with a "---" line opening the front matter'],
    ]);
  });
});

describe('names the state folder can hold', () => {
  it('the longest names the schema allows fit a file name; a state folder too deep for the paths is named', () => {
    const config = configOf({ tasks: [{ dataset: 'sib200' }], datasets: {} });
    expect(checkNames(config, join(repoRoot, '.synthlab', 'artifacts'))).toEqual([]);
    const generators = [{ name: 'g'.repeat(64), provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }];
    const longest = configOf({ name: 'n'.repeat(64), generators, datasets: { ['d'.repeat(64)]: base.datasets.toy }, tasks: [{ dataset: 'd'.repeat(64) }], strategies: ['TargetDemos+SL+Revision'], seeds: [2_147_483_647] });
    expect(checkNames(longest, '/tmp/state/artifacts')).toEqual([]);
    expect(checkNames(longest, `/${'deep/'.repeat(760)}`).map((problem) => problem.message)).toEqual([
      expect.stringMatching(/^cell records would be written at paths of \d+ bytes under .* more than the 4095 a path may have; .*SYNTHLAB_STATE_DIR/),
      expect.stringMatching(/^data product records would be written at paths/),
    ]);
  });
});

describe('the pre-flight', () => {
  const options = { parsePromptTemplate: parseTemplateFile, env: {} };

  function writeConfig(name: string, value: object): string {
    const file = join(scratch, `${name}.yaml`);
    writeFileSync(file, JSON.stringify(value));
    return file;
  }

  it('lists every problem at once: the config\'s own and those of the files of its valid parts', async () => {
    const root = folder('all-at-once');
    writeFileSync(join(root, 'en-test.csv'), GOOD_TEST);
    const file = writeConfig('all-at-once', { ...base, dataRoot: root, seeds: [1, 1], training: { model: join(scratch, 'absent-model'), devPerLabel: 1 } });
    const error = await preflightSweepConfig(file, options).catch((caught: unknown) => caught as ConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual([
      `${file}: 3 problems; nothing was started:`,
      '  - seeds: listed twice: 1',
      `  - ${join(root, 'en-train.csv')}: file not found [datasets.toy.files.train, language en]`,
      `  - ${join(scratch, 'absent-model')}: model folder not found [training.model]`,
    ]);
  });

  it('checks the config alone with machineChecks off, and passes a good config', async () => {
    const root = folder('good-config');
    writeFileSync(join(root, 'en-train.csv'), GOOD_TRAIN);
    writeFileSync(join(root, 'en-test.csv'), GOOD_TEST);
    const loaded = await preflightSweepConfig(writeConfig('good', { ...base, dataRoot: root }), options);
    expect(loaded.dataRoot).toBe(root);
    const missing = writeConfig('config-only', { ...base, dataRoot: join(scratch, 'absent-root') });
    await expect(preflightSweepConfig(missing, options)).rejects.toThrow(/the data root .*absent-root does not exist/);
    await expect(preflightSweepConfig(missing, { ...options, machineChecks: false })).resolves.toMatchObject({ config: { name: 'unit' } });
  });

  it('names a UTF-16 config, YAML errors by line, and a document that is not a mapping', async () => {
    const utf16 = join(scratch, 'utf16.yaml');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\n', 'utf16le')]));
    await expect(preflightSweepConfig(utf16, options)).rejects.toThrow(/utf16\.yaml, line 1: the file is UTF-16 \(little-endian byte-order mark\), not UTF-8; save it as UTF-8/);
    const broken = join(scratch, 'broken.yaml');
    writeFileSync(broken, 'name: x\ntasks: [\nseeds: {a: b: sk_live_51HxQ2eKz8vTq9LmN3pR7sW4y}\n');
    const error = (await preflightSweepConfig(broken, options).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(/broken\.yaml is not valid YAML:\n {2}- .*broken\.yaml, line \d+: /);
    expect(error.message).not.toContain('sk_live');
    const scalar = join(scratch, 'scalar.yaml');
    writeFileSync(scalar, 'just a string\n');
    await expect(preflightSweepConfig(scalar, options)).rejects.toThrow(/\(top level\): a sweep config is a YAML mapping of fields .* found a string/);
  });
});
