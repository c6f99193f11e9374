/**
 * Deterministic, dependency-free hashing for keys, ids and seeds. Used inside workflow code, where
 * Node's crypto is not available; content addressing of artifacts uses real sha256 instead.
 */
import { compareText } from './compare';

const FNV_1A = {
  32: { offsetBasis: 0x811c9dc5n, prime: 0x01000193n, mask: 0xffffffffn },
  64: { offsetBasis: 0xcbf29ce484222325n, prime: 0x100000001b3n, mask: 0xffffffffffffffffn },
} as const;

/** FNV-1a over the UTF-16 code units, in its 32- or 64-bit width: the project's one non-cryptographic hash. */
function fnv1a(text: string, bits: 32 | 64): bigint {
  const { offsetBasis, prime, mask } = FNV_1A[bits];
  let hash: bigint = offsetBasis;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= BigInt(text.charCodeAt(index));
    hash = (hash * prime) & mask;
  }
  return hash;
}

/** 64-bit FNV-1a as 16 hex digits: cache keys, spec hashes, config hashes. */
export function stableHash(text: string): string {
  return fnv1a(text, 64).toString(16).padStart(16, '0');
}

/** 32-bit FNV-1a as an unsigned integer: the state a seeded generator starts from. */
export function seedFromText(text: string): number {
  return Number(fnv1a(text, 32));
}

/** JSON with object keys sorted, so equal values always serialise (and hash) the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, entry]) => entry !== undefined)
        .sort(([left], [right]) => compareText(left, right))
        .map(([key, entry]) => [key, sortKeys(entry)]),
    );
  }
  return value;
}

export function hashOf(value: unknown): string {
  return stableHash(canonicalJson(value));
}

/**
 * Settings added to the config's `training` after cells were first recorded, each with the default
 * that means "as before". A cell spec leaves them out of its hash while they hold that default, so
 * adding a setting does not make every recorded cell look changed to `sweep resume`.
 * (tests/unit/cell-spec-hash.test.ts checks that these are the schema's defaults.)
 */
export const TRAINING_SETTINGS_ADDED_LATER: Readonly<Record<string, unknown>> = {
  checkpointEverySteps: null,
  checkpointEveryMinutes: null,
  maxAttemptsWithoutProgress: 5,
  maxTrainerFailures: 3,
};

function withoutLaterDefaults(cell: unknown): unknown {
  if (cell === null || typeof cell !== 'object' || !('training' in cell)) return cell;
  const training = (cell as { training: unknown }).training;
  if (training === null || typeof training !== 'object') return cell;
  const kept = Object.entries(training).filter(([key, value]) => !(key in TRAINING_SETTINGS_ADDED_LATER && TRAINING_SETTINGS_ADDED_LATER[key] === value));
  return { ...cell, training: Object.fromEntries(kept) };
}

/**
 * A cell's spec hash: the cell records its result under it, and a resumed sweep treats the cell
 * as finished only when today's spec has the same hash. One function for both sides.
 */
export function cellSpecHash(cell: unknown): string {
  return hashOf(withoutLaterDefaults(cell));
}
