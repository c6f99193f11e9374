/**
 * Deterministic, dependency-free hashing for keys and ids. Used inside workflow code, where
 * Node's crypto is not available; content addressing of artifacts uses real sha256 instead.
 */

/** 64-bit FNV-1a over the UTF-16 code units, as 16 hex digits. */
export function stableHash(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= BigInt(text.charCodeAt(index));
    hash = (hash * prime) & mask;
  }
  return hash.toString(16).padStart(16, '0');
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
        .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
        .map(([key, entry]) => [key, sortKeys(entry)]),
    );
  }
  return value;
}

export function hashOf(value: unknown): string {
  return stableHash(canonicalJson(value));
}

/**
 * A cell's spec hash: the cell records its result under it, and a resumed sweep treats the cell
 * as finished only when today's spec has the same hash. One function for both sides.
 */
export function cellSpecHash(cell: unknown): string {
  return hashOf(cell);
}
