/**
 * Bad input is stopped before anything starts. Each case writes a malformed config or data file
 * (at test time, into a scratch folder) and runs the real CLI on it, `node bin/synthlab.mjs sweep
 * plan …` (a few also `sweep start` against a real dev server, whose workflow list must stay
 * empty). Every case must end with exit code 2, a message naming the problem (file and line, or
 * the config field), no stack trace, and none of the file's content or the secret it holds.
 * A control case (the same config, unbroken) must pass, so a case fails for its own mistake only.
 *
 * CLI processes run two at a time; the last line printed is `fuzz: cases=<n> categories=<list>`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { repoRoot } from '../../src/infra/paths';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { TOY_DATASET } from '../helpers/toy-dataset';

type Category = 'yaml-encoding' | 'schema' | 'bounds' | 'secrets' | 'urls' | 'environment' | 'data-files' | 'models' | 'prompts' | 'names' | 'several';

interface FuzzCase {
  name: string;
  category: Category;
  /** Writes the case's files into its own folder and returns the config's path. */
  write: (folder: string) => string;
  /** What the message must say (each is matched against stderr). */
  says: (string | RegExp)[];
  /** What must not appear anywhere in the output: file content, secrets. */
  absent?: string[];
  env?: Record<string, string>;
  /** `start` runs `sweep start` against the dev server. */
  command?: 'plan' | 'start';
  /** The most seconds the CLI may take (the 400,000-seed config used to take ~90 s). */
  maxSeconds?: number;
}

const scratch = mkdtempSync(join(tmpdir(), 'synthlab-fuzz-'));
const emptyHfCache = join(scratch, 'empty-hf-cache');
const emptyVenv = join(scratch, 'empty-venv');
mkdirSync(emptyHfCache);
mkdirSync(emptyVenv);

const SECRET = 'sk_live_51HxQ2eKz8vTq9LmN3pR7sW4y';
const PASSWD_LINE = 'root:x:0:0:root:/root:/bin/bash';
const PRIVATE_TEXT = 'my-private-sentence-4711';

const GOOD_TRAIN = 'id,text,label\n1,a fine day,pos\n2,a lovely film,pos\n3,great fun,pos\n4,a dull day,neg\n5,a bad film,neg\n6,no fun,neg\n';
const GOOD_TEST = 'id,text,label\n1,nice,pos\n2,awful,neg\n';


function baseConfig(name: string): Record<string, unknown> {
  return {
    name,
    dataRoot: 'data',
    datasets: { toy: TOY_DATASET },
    tasks: [{ dataset: 'toy' }],
    languages: ['en'],
    strategies: ['TargetDemos'],
    generators: [{ name: 'local', provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }],
    seeds: [1],
    generation: { samplesPerLabel: 2, samplesPerRequest: 2, maxRequestsPerLabel: 1 },
    selection: { perLabel: 2 },
    training: { model: 'packaged:all-minilm-l6-v2', devPerLabel: 1 },
  };
}

/** The toy data (replaced file by file) and a config (changed by `edit`) in `folder`; returns the config's path. */
function writeCase(folder: string, edit: (config: Record<string, unknown>) => void = () => {}, files: Record<string, string | Buffer> = {}): string {
  mkdirSync(join(folder, 'data'), { recursive: true });
  const all = { 'en-train.csv': GOOD_TRAIN, 'en-test.csv': GOOD_TEST, ...files };
  for (const [file, content] of Object.entries(all)) writeFileSync(join(folder, 'data', file), content);
  const config = baseConfig(`fuzz-${folder.split('/').pop()}`);
  edit(config);
  const path = join(folder, 'sweep.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/** A config written as raw bytes (for YAML and encoding cases), with the toy data beside it. */
function writeRaw(folder: string, content: string | Buffer): string {
  writeCase(folder);
  const path = join(folder, 'raw.yaml');
  writeFileSync(path, content);
  return path;
}

const set =
  (path: string, value: unknown) =>
  (config: Record<string, unknown>): void => {
    const keys = path.split('.');
    let target = config as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[keys.at(-1)!] = value;
  };
const withDataset = (changes: Record<string, unknown>) => set('datasets.toy', { ...TOY_DATASET, ...changes });
const remote = (provider: Record<string, unknown>) => set('generators', [{ name: 'remote', provider: { kind: 'openai-compatible', baseURL: 'http://localhost:8000/v1', model: 'm', apiKeyEnv: 'FUZZ_KEY', ...provider } }]);
const dataFile = (folder: string, file: string) => join(folder, 'data', file);
const line = (file: string, number: number) => `${file}, line ${number}: `;

const CASES: FuzzCase[] = [
  // --- YAML and encodings of the config itself
  { name: 'unclosed flow list', category: 'yaml-encoding', write: (f) => writeRaw(f, 'name: x\nseeds: [1, 2\n'), says: [/is not valid YAML:/, /raw\.yaml, line \d+: /] },
  { name: 'duplicate key', category: 'yaml-encoding', write: (f) => writeRaw(f, 'name: a\nname: b\n'), says: [/raw\.yaml, line 2: Map keys must be unique/] },
  { name: 'tab indentation', category: 'yaml-encoding', write: (f) => writeRaw(f, 'training:\n\tmodel: x\n'), says: [/raw\.yaml, line 2: /] },
  { name: 'UTF-16 LE with BOM', category: 'yaml-encoding', write: (f) => writeRaw(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\n', 'utf16le')])), says: [/raw\.yaml, line 1: the file is UTF-16 \(little-endian byte-order mark\)/] },
  { name: 'UTF-16 without BOM', category: 'yaml-encoding', write: (f) => writeRaw(f, Buffer.from('name: x\ntasks: []\n', 'utf16le')), says: [/looks like UTF-16 without a byte-order mark/] },
  { name: 'Latin-1 config', category: 'yaml-encoding', write: (f) => writeRaw(f, Buffer.concat([Buffer.from('name: x\ndescription: caf'), Buffer.from([0xe9]), Buffer.from('\n')])), says: [/raw\.yaml, line 2: invalid UTF-8 .*Latin-1/] },
  { name: 'NUL byte', category: 'yaml-encoding', write: (f) => writeRaw(f, 'name: x\n\u0000\n'), says: [/raw\.yaml, line 2: NUL byte/] },
  { name: 'empty file', category: 'yaml-encoding', write: (f) => writeRaw(f, ''), says: [/\(top level\): a sweep config is a YAML mapping .* found an empty document/] },
  { name: 'a scalar', category: 'yaml-encoding', write: (f) => writeRaw(f, 'sweep please\n'), says: [/found a string/] },
  { name: 'config file missing', category: 'yaml-encoding', write: (f) => join(f, 'absent.yaml'), says: [/cannot read config .*absent\.yaml: no such file/] },
  { name: 'config is a folder', category: 'yaml-encoding', write: (f) => (mkdirSync(join(f, 'folder.yaml'), { recursive: true }), join(f, 'folder.yaml')), says: [/cannot read config .*folder\.yaml: not a regular file/] },
  { name: 'config over 10 MB', category: 'yaml-encoding', write: (f) => writeRaw(f, `# ${'x'.repeat(11 * 1024 * 1024)}\nname: x\n`), says: [/more than the 10485760 a sweep config may have/] },
  // --- what the schema catches
  { name: 'missing name', category: 'schema', write: (f) => writeCase(f, (c) => delete c.name), says: [/ - name: Invalid input: expected string/] },
  { name: 'unknown field', category: 'schema', write: (f) => writeCase(f, set('sedes', [1])), says: [/\(top level\): Unrecognized key: "sedes"/] },
  { name: 'unknown strategy', category: 'schema', write: (f) => writeCase(f, set('strategies', ['TargetDemo'])), says: [/strategies\.0: unknown strategy "TargetDemo"/] },
  { name: 'bad language code', category: 'schema', write: (f) => writeCase(f, set('languages', ['english'])), says: [/languages\.0: a 2- or 3-letter language code/] },
  { name: 'unknown dataset', category: 'schema', write: (f) => writeCase(f, set('tasks', [{ dataset: 'nope' }])), says: [/tasks\.0\.dataset: dataset "nope": unknown dataset/] },
  { name: 'language without data', category: 'schema', write: (f) => writeCase(f, set('languages', ['de'])), says: [/languages: dataset "toy" has no data for language "de"/] },
  { name: 'seed listed twice', category: 'schema', write: (f) => writeCase(f, set('seeds', [1, 1])), says: [/seeds: listed twice: 1/] },
  { name: 'selection above generation', category: 'schema', write: (f) => writeCase(f, set('selection.perLabel', 5)), says: [/selection\.perLabel: selects 5 per label/] },
  { name: 'bad dataset definition', category: 'schema', write: (f) => writeCase(f, withDataset({ format: 'xlsx' })), says: [/datasets\.toy: dataset "toy": Invalid dataset spec/] },
  // --- upper bounds
  { name: 'samplesPerLabel 1e12', category: 'bounds', write: (f) => writeCase(f, set('generation.samplesPerLabel', 1e12)), says: [/generation\.samplesPerLabel: Too big: expected number to be <=100000/] },
  { name: '500-character sweep name', category: 'bounds', write: (f) => writeCase(f, set('name', 'a'.repeat(500))), says: [/ - name: Too big: expected string to have <=64 characters/] },
  { name: '400,000 seeds', category: 'bounds', write: (f) => writeCase(f, set('seeds', Array.from({ length: 400_000 }, (_, index) => index))), says: [/seeds: Too big: expected array to have <=10000 items/], maxSeconds: 30 },
  { name: 'a grid of 360,000 cells', category: 'bounds', write: (f) => writeCase(f, (c) => Object.assign(c, { languages: ['en'], strategies: ['TargetDemos', 'SL', 'TargetDemos+SL', 'TargetDemos+Revision', 'EnglishDemos+SL'], seeds: Array.from({ length: 10_000 }, (_, index) => index), generators: Array.from({ length: 7 }, (_, index) => ({ name: `g${index}`, provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } })) })), says: [/seeds: the grid has 360000 cells .* more than 200000/] },
  { name: 'a billion cells in flight', category: 'bounds', write: (f) => writeCase(f, set('concurrency', { cells: 1e9, dataProducts: 1 })), says: [/concurrency\.cells: Too big/] },
  { name: '200-character generator name', category: 'bounds', write: (f) => writeCase(f, set('generators', [{ name: 'g'.repeat(200), provider: { kind: 'local-gguf', model: 'packaged:smollm2-135m-instruct' } }])), says: [/generators\.0\.name: Too big/] },
  { name: 'minChars above maxChars', category: 'bounds', write: (f) => writeCase(f, set('generation.minChars', 500)), says: [/generation\.minChars: is 500, more than generation\.maxChars \(100\)/] },
  // --- secrets
  { name: 'a Stripe-style key as apiKeyEnv', category: 'secrets', write: (f) => writeCase(f, remote({ apiKeyEnv: SECRET })), says: [/generators\.0\.provider\.apiKeyEnv: looks like an API key or token \(not repeated here\)/], absent: [SECRET], env: { [SECRET]: 'x' } },
  { name: 'a key in a task description', category: 'secrets', write: (f) => writeCase(f, set('tasks', [{ dataset: 'toy', description: `use ${SECRET} please` }])), says: [/tasks\.0\.description: looks like an API key/], absent: [SECRET] },
  { name: 'a key as a dataset name', category: 'secrets', write: (f) => writeCase(f, set(`datasets`, { [SECRET]: TOY_DATASET })), says: [/datasets\.\(a key\): looks like an API key/], absent: [SECRET] },
  { name: 'a random token as the model', category: 'secrets', write: (f) => writeCase(f, set('training.model', 'Q2hhbmdlTWVQbGVhc2U9X2tleV8zOGZhOTJiMWM0ZDdl7Xz')), says: [/training\.model: looks like an API key/], absent: ['Q2hhbmdlTWVQbGVhc2U9X2tleV8zOGZhOTJiMWM0ZDdl7Xz'] },
  { name: 'a key in the baseURL query', category: 'secrets', write: (f) => writeCase(f, remote({ baseURL: `http://localhost:8000/v1?key=${SECRET}` })), says: [/generators\.0\.provider\.baseURL: looks like an API key/], absent: [SECRET], env: { FUZZ_KEY: 'x' } },
  // --- server URLs
  { name: 'baseURL without a scheme', category: 'urls', write: (f) => writeCase(f, remote({ baseURL: 'localhost:8000/v1' })), says: [/generators\.0\.provider\.baseURL: must start with http:\/\/ or https:\/\/ \(found no scheme\)/], env: { FUZZ_KEY: 'x' } },
  { name: 'baseURL with ftp://', category: 'urls', write: (f) => writeCase(f, remote({ baseURL: 'ftp://models.example/v1' })), says: [/found ftp:\/\//], env: { FUZZ_KEY: 'x' } },
  { name: 'baseURL with a password', category: 'urls', write: (f) => writeCase(f, remote({ baseURL: 'http://admin:hunter2@localhost:8000/v1' })), says: [/baseURL: must not hold a user name or password/], absent: ['hunter2'], env: { FUZZ_KEY: 'x' } },
  { name: 'baseURL that is not a URL', category: 'urls', write: (f) => writeCase(f, remote({ baseURL: 'the vllm box' })), says: [/generators\.0\.provider\.baseURL: Invalid URL/], env: { FUZZ_KEY: 'x' } },
  // --- the environment
  // --- data files
  { name: 'missing train file', category: 'data-files', write: (f) => writeCase(f, withDataset({ files: { train: 'absent-{lang}.csv', test: '{lang}-test.csv' } })), says: [/data\/absent-en\.csv: file not found \[datasets\.toy\.files\.train, language en\]/] },
  { name: 'empty data file', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-train.csv': '' }), says: [(/en-train\.csv, line 1: the file is empty/)] },
  { name: 'header-only data file', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-test.csv': 'id,text,label\n' }), says: [/en-test\.csv, line 1: the file has a header but no data rows/] },
  { name: 'semicolon-separated', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-train.csv': GOOD_TRAIN.replaceAll(',', ';') }), says: [/en-train\.csv, line 1: missing .* is the file semicolon-separated\?/], absent: ['a fine day'] },
  { name: 'missing label column', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-test.csv': 'id,text,category\n1,nice,pos\n' }), says: [/en-test\.csv, line 1: missing column "label" \(for label\): the header has 3 fields, with column "id" and column "text"/], absent: ['category'] },
  { name: 'empty text cell', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-train.csv': `${GOOD_TRAIN}7,  ,neg\n` }), says: [/en-train\.csv, line 8: empty text \(column "text"\)/] },
  { name: 'unknown label', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-train.csv': `${GOOD_TRAIN}7,fine,${PRIVATE_TEXT}\n` }), says: [/en-train\.csv, line 8: the label \(column "label"\) is not in the label set \(pos, neg\)/], absent: [PRIVATE_TEXT] },
  { name: 'symlink to /dev/zero', category: 'data-files', write: (f) => { const path = writeCase(f); rmSync(dataFile(f, 'en-train.csv')); symlinkSync('/dev/zero', dataFile(f, 'en-train.csv')); return path; }, says: [/en-train\.csv: not a regular file \(a device, pipe or socket\)/], maxSeconds: 30 },
  { name: '../../../../etc/passwd', category: 'data-files', write: (f) => writeCase(f, withDataset({ files: { train: '../../../../../../../../etc/passwd', test: '{lang}-test.csv' } })), says: [/\/etc\/passwd: outside the data root .* allowPathsOutsideDataRoot: true/], absent: ['root:x'] },
  { name: 'absolute path outside the data root', category: 'data-files', write: (f) => writeCase(f, withDataset({ files: { train: '/etc/hostname', test: '{lang}-test.csv' } })), says: [/\/etc\/hostname: outside the data root/] },
  { name: 'passwd-like file, allowed outside', category: 'data-files', write: (f) => (writeFileSync(join(f, 'users.csv'), `${PASSWD_LINE}\n`), writeCase(f, (c) => { c.allowPathsOutsideDataRoot = true; withDataset({ files: { train: '../users.csv', test: '{lang}-test.csv' } })(c); })), says: [/users\.csv, line 1: missing column "id" \(for id\), column "text" \(for text\), column "label" \(for label\): the header has 1 field/], absent: ['root:x', '/bin/bash'] },
  { name: 'Latin-1 data', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-train.csv': Buffer.concat([Buffer.from(`${GOOD_TRAIN}7,caf`), Buffer.from([0xe9]), Buffer.from(' au lait,pos\n')]) }), says: [/en-train\.csv, line 8: invalid UTF-8 at byte \d+ \(the file may be Latin-1/] },
  { name: 'UTF-16 data', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-test.csv': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD_TEST, 'utf16le')]) }), says: [/en-test\.csv, line 1: the file is UTF-16/] },
  { name: 'ragged row', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-train.csv': `${GOOD_TRAIN}7,fine,pos,extra\n` }), says: [/en-train\.csv, line 8: too many fields: the row has 4, the header has 3/] },
  { name: 'unclosed quote', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-train.csv': `${GOOD_TRAIN}7,"never closed,pos\n` }), says: [/en-train\.csv, line 8: quoted field is never closed/] },
  { name: 'repeated id in train', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-train.csv': `${GOOD_TRAIN}6,again,neg\n` }), says: [/en-train\.csv, line 8: the id \(column "id"\) repeats the id of line 7/] },
  { name: 'a label without rows', category: 'data-files', write: (f) => writeCase(f, undefined, { 'en-train.csv': 'id,text,label\n1,a,pos\n2,b,pos\n' }), says: [/en-train\.csv: no row has the label "neg"/] },
  { name: 'too few rows to hold out dev', category: 'data-files', write: (f) => writeCase(f, set('training.devPerLabel', 3)), says: [/the label "pos" has 3 rows; with no dev split, training\.devPerLabel \(3\)/] },
  { name: 'a folder as the data file', category: 'data-files', write: (f) => { const path = writeCase(f); rmSync(dataFile(f, 'en-test.csv')); mkdirSync(dataFile(f, 'en-test.csv')); return path; }, says: [/en-test\.csv: a folder, not a file/] },
  { name: 'missing dataRoot', category: 'data-files', write: (f) => writeCase(f, set('dataRoot', 'no-such-folder')), says: [/dataRoot: the data root .*no-such-folder does not exist/] },
  { name: 'dataRoot is a file', category: 'data-files', write: (f) => writeCase(f, set('dataRoot', 'data/en-test.csv')), says: [/dataRoot: the data root .*en-test\.csv is not a folder/] },
  // XNLI's train split is now derived from its stored dev file (odd rows); a language it lacks is still refused.
  { name: 'a language the dataset lacks (xnli in de)', category: 'data-files', write: (f) => writeCase(f, (c) => Object.assign(c, { tasks: [{ dataset: 'xnli' }], languages: ['de'], datasets: {}, dataRoot: join(repoRoot, '..', 'shared', 'data') })), says: [/languages: dataset "xnli" has no data for language "de" \(it has: en, hi, sw, ur\)/] },
  { name: 'built-in dataset overridden to a missing file', category: 'data-files', write: (f) => writeCase(f, (c) => Object.assign(c, { tasks: [{ dataset: 'sib200' }], languages: ['cy'], datasets: { sib200: { files: { test: 'sib200/{flores}/absent.tsv' } } }, dataRoot: join(repoRoot, '..', 'shared', 'data') })), says: [/sib200\/cym_Latn\/absent\.tsv: file not found \[datasets\.sib200\.files\.test, language cy\]/] },
  { name: 'label descriptions file missing', category: 'data-files', write: (f) => writeCase(f, (c) => Object.assign(c, { strategies: ['TargetDemos+SL'], labelDescriptions: { source: 'file', path: join(f, 'data', 'absent.csv') } })), says: [/absent\.csv: file not found \[labelDescriptions\.path\]/] },
  { name: 'label descriptions without a label', category: 'data-files', write: (f) => writeCase(f, (c) => Object.assign(c, { strategies: ['TargetDemos+SL'], labelDescriptions: { source: 'file', path: join(f, 'data', 'descriptions.csv') } }), { 'descriptions.csv': 'intent,description\npos,Good things.\n' }), says: [/descriptions\.csv: no description for label\(s\): neg \(of dataset toy\)/] },
  // --- models
  { name: 'missing GGUF file', category: 'models', write: (f) => writeCase(f, set('generators', [{ name: 'local', provider: { kind: 'local-gguf', model: join(f, 'absent.gguf') } }])), says: [/absent\.gguf: GGUF model file not found \[generators\.0\.provider\.model\]/] },
  { name: 'a text file as GGUF', category: 'models', write: (f) => (writeFileSync(join(f, 'model.gguf'), 'not a model'), writeCase(f, set('generators', [{ name: 'local', provider: { kind: 'local-gguf', model: join(f, 'model.gguf') } }]))), says: [/model\.gguf: not a GGUF model file \(it does not start with the bytes "GGUF"\)/] },
  { name: 'unknown packaged GGUF', category: 'models', write: (f) => writeCase(f, set('generators', [{ name: 'local', provider: { kind: 'local-gguf', model: 'packaged:llama-9000' } }])), says: [/generators\.0\.provider\.model: Unknown packaged model "llama-9000"/] },
  { name: 'packaged GGUF not installed', category: 'models', write: (f) => writeCase(f), env: { SYNTHLAB_ML_VENV: emptyVenv }, says: [/generators\.0\.provider\.model: GGUF model file not found: .*empty-venv/, /training\.model: packaged:all-minilm-l6-v2 is not installed in the ML venv/] },
  { name: 'missing local training model', category: 'models', write: (f) => writeCase(f, set('training.model', './models/absent-bert')), says: [/absent-bert: model folder not found \[training\.model\]/] },
  { name: 'unknown packaged encoder', category: 'models', write: (f) => writeCase(f, set('training.model', 'packaged:bert-9000')), says: [/training\.model: unknown packaged model "packaged:bert-9000"/] },
  { name: 'model folder without config.json', category: 'models', write: (f) => (mkdirSync(join(f, 'bert'), { recursive: true }), writeCase(f, set('training.model', join(f, 'bert')))), says: [/bert: not a model folder: it has no config\.json \[training\.model\]/] },
  // --- prompt templates
  { name: 'missing generation prompt', category: 'prompts', write: (f) => writeCase(f, set('generation.prompts', { targetDemos: join(f, 'absent.md') })), says: [/absent\.md: file not found \[generation\.prompts\.targetDemos\]/] },
  { name: 'invalid prompt template', category: 'prompts', write: (f) => (writeFileSync(join(f, 'prompt.md'), `${PRIVATE_TEXT}\n`), writeCase(f, set('generation.prompts', { targetDemos: join(f, 'prompt.md') }))), says: [/prompt\.md: not a valid prompt template: must start with a "---" line/], absent: [PRIVATE_TEXT] },
  { name: 'Latin-1 prompt', category: 'prompts', write: (f) => (writeFileSync(join(f, 'prompt.md'), Buffer.concat([Buffer.from('---\nid: x\n---\ncaf'), Buffer.from([0xe9])])), writeCase(f, set('generation.prompts', { targetDemos: join(f, 'prompt.md') }))), says: [/prompt\.md, line 4: invalid UTF-8/] },
  { name: 'missing revision prompt', category: 'prompts', write: (f) => writeCase(f, (c) => Object.assign(c, { strategies: ['TargetDemos+Revision'], revision: { prompt: join(f, 'judge.md') } })), says: [/judge\.md: file not found \[revision\.prompt\]/] },
  // --- names the state folder must hold
  { name: 'state folder too deep for the record paths', category: 'names', write: (f) => writeCase(f), env: { SYNTHLAB_STATE_DIR: `/${'deep-state-folder/'.repeat(230)}` }, says: [/ - name: cell records would be written at paths of \d+ bytes .* more than the 4095/] },
  // --- several problems: every one is listed at once
  {
    name: 'five problems at once',
    category: 'several',
    write: (f) =>
      writeCase(
        f,
        (c) => Object.assign(c, { seeds: [1, 1], training: { model: join(f, 'absent-model'), devPerLabel: 1 }, generation: { samplesPerLabel: 2, prompts: { targetDemos: join(f, 'absent.md') } } }),
        { 'en-train.csv': `${GOOD_TRAIN}7,,pos\n`, 'en-test.csv': 'id,text\n1,x\n' },
      ),
    says: [/: 5 problems; nothing was started:/, /seeds: listed twice/, /en-train\.csv, line 8: empty text/, /en-test\.csv, line 1: missing column "label"/, /absent-model: model folder not found/, /absent\.md: file not found/],
  },
];

/** `sweep start` cases, run against the dev server: nothing may start. */
const START_CASES: FuzzCase[] = [
  // Problems of this machine's environment: `start` refuses them; `plan` counts and lists them (below).
  { name: 'start: apiKeyEnv names an unset variable', category: 'environment', command: 'start', write: (f) => writeCase(f, remote({ apiKeyEnv: 'FUZZ_UNSET_KEY' })), says: [/generators\.0\.provider\.apiKeyEnv: the environment variable FUZZ_UNSET_KEY is not set/] },
  { name: 'start: hub id offline, not cached', category: 'models', command: 'start', write: (f) => writeCase(f, set('training.model', 'xlm-roberta-base')), says: [/training\.model: "xlm-roberta-base" is a Hugging Face hub id, the workers are offline .* not in the local cache/] },
  { name: 'start: custom dataset file missing', category: 'data-files', command: 'start', write: (f) => writeCase(f, withDataset({ files: { train: 'absent-{lang}.csv', test: '{lang}-test.csv' } })), says: [/data\/absent-en\.csv: file not found/] },
  { name: 'start: unknown label', category: 'data-files', command: 'start', write: (f) => writeCase(f, undefined, { 'en-test.csv': `${GOOD_TEST}3,odd,${PRIVATE_TEXT}\n` }), says: [/en-test\.csv, line 4: the label/], absent: [PRIVATE_TEXT] },
  { name: 'start: passwd traversal', category: 'data-files', command: 'start', write: (f) => writeCase(f, withDataset({ files: { train: '../../../../../../../../etc/passwd', test: '{lang}-test.csv' } })), says: [/outside the data root/], absent: ['root:x'] },
  { name: 'start: key as apiKeyEnv', category: 'secrets', command: 'start', write: (f) => writeCase(f, remote({ apiKeyEnv: SECRET })), says: [/apiKeyEnv: looks like an API key/], absent: [SECRET] },
  { name: 'start: missing GGUF', category: 'models', command: 'start', write: (f) => writeCase(f, set('generators', [{ name: 'local', provider: { kind: 'local-gguf', model: join(f, 'absent.gguf') } }])), says: [/absent\.gguf: GGUF model file not found/] },
  { name: 'start: missing prompt', category: 'prompts', command: 'start', write: (f) => writeCase(f, set('generation.prompts', { targetDemos: join(f, 'absent.md') })), says: [/absent\.md: file not found/] },
];

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

const STACK_TRACE = /^\s+at .*\(?.*:\d+:\d+\)?$/m;

let temporal: TestTemporal | undefined;
let serverStarted: Promise<TestTemporal>;

function cliEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SYNTHLAB_STATE_DIR: join(scratch, 'state'), HF_HUB_OFFLINE: '1', HF_HUB_CACHE: emptyHfCache, ...extra };
  delete env.npm_lifecycle_event;
  delete env.SYNTHLAB_ML_VENV;
  delete env.SYNTHLAB_DATA_ROOT;
  delete env.FUZZ_KEY;
  if (extra.SYNTHLAB_ML_VENV) env.SYNTHLAB_ML_VENV = extra.SYNTHLAB_ML_VENV;
  if (extra.FUZZ_KEY !== undefined) env.FUZZ_KEY = extra.FUZZ_KEY;
  return env;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'synthlab.mjs'), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolveRun({ status, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Runs the jobs `width` at a time. */
async function inPool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const index = next++;
        results[index] = await jobs[index]!();
      }
    }),
  );
  return results;
}

/** The same environment problems under `sweep plan`: the sweep is counted (exit 0) and they are listed as what `start` would refuse. */
const PLAN_NOT_READY_CASES: FuzzCase[] = [
  { name: 'plan: apiKeyEnv names an unset variable', category: 'environment', write: (f) => writeCase(f, remote({ apiKeyEnv: 'FUZZ_UNSET_KEY' })), says: [/generators\.0\.provider\.apiKeyEnv: the environment variable FUZZ_UNSET_KEY is not set/] },
  { name: 'plan: hub id offline, not cached', category: 'models', write: (f) => writeCase(f, set('training.model', 'xlm-roberta-base')), says: [/training\.model: "xlm-roberta-base" is a Hugging Face hub id, the workers are offline .* not in the local cache/] },
];

const runs = new Map<string, CliRun>();
const configs = new Map<string, string>();
let control: CliRun;

function jobFor(fuzzCase: FuzzCase, index: number): () => Promise<void> {
  return async () => {
    const folder = join(scratch, `case-${index}`);
    mkdirSync(folder, { recursive: true });
    const config = fuzzCase.write(folder);
    configs.set(fuzzCase.name, config);
    const env = cliEnvironment(fuzzCase.env);
    if (fuzzCase.command === 'start') {
      const server = await serverStarted;
      Object.assign(env, { TEMPORAL_ADDRESS: server.server.address, SYNTHLAB_STATE_DIR: server.stateDir });
    }
    runs.set(fuzzCase.name, await runCli(['sweep', fuzzCase.command ?? 'plan', config], env));
  };
}

beforeAll(async () => {
  serverStarted = startTestTemporal('synthlab-fuzz-server-');
  serverStarted.then((server) => (temporal = server)).catch(() => undefined);
  const controlFolder = join(scratch, 'control');
  mkdirSync(controlFolder);
  const jobs = [
    async () => {
      control = await runCli(['sweep', 'plan', writeCase(controlFolder)], cliEnvironment());
    },
    ...[...CASES, ...START_CASES, ...PLAN_NOT_READY_CASES].map(jobFor),
  ];
  await inPool(jobs, 2);
  await serverStarted;
}, 600_000);

afterAll(async () => {
  await temporal?.stop();
  rmSync(scratch, { recursive: true, force: true });
  const all = [...CASES, ...START_CASES];
  const slowest = [...runs.entries()].sort(([, left], [, right]) => right.seconds - left.seconds).slice(0, 3);
  const cliSeconds = [...runs.values()].reduce((sum, run) => sum + run.seconds, 0);
  console.log(`fuzz timing: ${cliSeconds.toFixed(0)} s of CLI time in ${runs.size} runs; slowest: ${slowest.map(([name, run]) => `${name} ${run.seconds.toFixed(1)} s`).join('; ')}`);
  console.log(`fuzz: cases=${all.length} categories=${[...new Set(all.map((fuzzCase) => fuzzCase.category))].join(',')}`);
});

it('the control config, unbroken, passes the pre-flight (every case fails for its own mistake)', () => {
  expect(control.stderr).toBe('');
  expect(control.status).toBe(0);
  expect(control.stdout).toMatch(/^plan: data_products=1 cells=2 label_summaries=0\nestimate: llm_requests=\d+ /);
});

it.each([...CASES, ...START_CASES].map((fuzzCase) => [`${fuzzCase.category}: ${fuzzCase.name}`, fuzzCase] as const))('%s: exit 2, named, no stack trace, nothing leaked', (_title, fuzzCase) => {
  const run = runs.get(fuzzCase.name);
  expect(run, 'the case ran').toBeDefined();
  const { status, stdout, stderr, seconds } = run!;
  expect(stderr, `stderr of ${configs.get(fuzzCase.name)}`).toMatch(/^synthlab: /);
  expect(status).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).not.toMatch(STACK_TRACE);
  for (const says of fuzzCase.says) expect(stderr).toMatch(says);
  for (const absent of fuzzCase.absent ?? []) expect(stdout + stderr).not.toContain(absent);
  expect(seconds).toBeLessThan(fuzzCase.maxSeconds ?? 60);
});

it.each(PLAN_NOT_READY_CASES.map((fuzzCase) => [fuzzCase.name, fuzzCase] as const))('%s: counted (exit 0), listed as not ready to start', (_title, fuzzCase) => {
  const run = runs.get(fuzzCase.name);
  expect(run, 'the case ran').toBeDefined();
  const { status, stdout, stderr } = run!;
  expect(status, stderr).toBe(0);
  expect(stdout).toMatch(/^plan: data_products=\d+ cells=\d+ /);
  expect(stderr).toMatch(/^not ready to start on this machine \(1 problem of its environment; `sweep start` refuses until they are fixed\):\n  - /);
  for (const says of fuzzCase.says) expect(stderr).toMatch(says);
  expect(stderr).not.toMatch(STACK_TRACE);
});

it('`sweep start` on bad input started nothing: the server lists no workflow', async () => {
  const server = await serverStarted;
  const listed: string[] = [];
  for await (const execution of server.client.workflow.list()) listed.push(execution.workflowId);
  expect(listed).toEqual([]);
  expect(START_CASES.every((fuzzCase) => runs.get(fuzzCase.name)?.status === 2)).toBe(true);

  // The list does see a sweep that starts: the control config, started the same way.
  const started = await runCli(['sweep', 'start', join(scratch, 'control', 'sweep.yaml')], { ...cliEnvironment(), TEMPORAL_ADDRESS: server.server.address, SYNTHLAB_STATE_DIR: server.stateDir });
  expect(started.stderr).toBe('');
  expect(started.status).toBe(0);
  for await (const execution of server.client.workflow.list()) listed.push(execution.workflowId);
  expect(listed).toEqual(['sweep/fuzz-control']);
});
