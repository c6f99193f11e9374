/**
 * Near-duplicate detection: MinHash signatures of character shingles, bucketed by LSH banding,
 * every candidate pair confirmed by the exact Jaccard similarity of the two shingle sets.
 *
 * Input texts are dedupe keys (normalizeForDedupe; a premise/hypothesis pair is one key holding
 * both sides), so case, punctuation and spacing never count. Each text is compared only with the
 * texts that share a band bucket with it, so the work is linear in the rows (plus the candidates,
 * few at a sensible threshold), never all pairs. Pure and deterministic: the hash functions come
 * from SeededRandom(seed), and a text's signature does not depend on the other texts.
 *
 * Order: references (test split, demos) are indexed first; then each text in input order is checked
 * against the references and the earlier texts that were kept, and is a near-duplicate of the first
 * reference that matches, else of the earliest kept text that matches. Near-duplicates are not
 * indexed, so a chain a~b~c with a !~ c keeps a and c.
 */
import { SeededRandom } from '../data/seeded-random';

export interface NearDuplicateOptions {
  /** Jaccard similarity of the shingle sets at or above which two texts are near-duplicates, in (0, 1]. */
  threshold: number;
  /** Characters per shingle (default 5). A text shorter than that is one shingle. */
  shingleSize?: number;
  /** MinHash functions (default 128): more finds pairs near the threshold more reliably and costs more. */
  hashes?: number;
  seed?: number;
}

export interface NearDuplicate {
  /** The text's index in the input. */
  index: number;
  /** What it near-duplicates: a reference's index, or an earlier kept text's index. */
  of: { reference: number } | { text: number };
  /** Exact Jaccard similarity of the two shingle sets. */
  similarity: number;
}

export const NEAR_DUPLICATE_DEFAULTS = { shingleSize: 5, hashes: 128, seed: 0 } as const;

/** The shingles of a key: its substrings of `size` UTF-16 code units (the whole key when shorter). */
export function shinglesOf(key: string, size: number): Set<string> {
  const shingles = new Set<string>();
  if (key.length <= size) {
    if (key.length > 0) shingles.add(key);
    return shingles;
  }
  for (let start = 0; start + size <= key.length; start += 1) shingles.add(key.slice(start, start + size));
  return shingles;
}

/** Exact Jaccard similarity of two keys' shingle sets (1 for two empty keys). */
export function shingleJaccard(left: string, right: string, size: number = NEAR_DUPLICATE_DEFAULTS.shingleSize): number {
  return jaccardOfSets(shinglesOf(left, size), shinglesOf(right, size));
}

function jaccardOfSets(left: Set<string>, right: Set<string>): number {
  if (left.size === 0 && right.size === 0) return 1;
  const [smaller, larger] = left.size <= right.size ? [left, right] : [right, left];
  let shared = 0;
  for (const shingle of smaller) if (larger.has(shingle)) shared += 1;
  return shared / (left.size + right.size - shared);
}

/** The share of the threshold's pairs that must become candidates: recall matters more than speed. */
const RECALL_AT_THRESHOLD = 0.9;

/**
 * Bands x rows per band for `hashes` functions. A pair of similarity s becomes a candidate with
 * probability 1 - (1 - s^rows)^bands. Candidates are confirmed exactly, so a false positive costs
 * only time while a false negative keeps a duplicate: of the splits that make at least 90% of the
 * pairs at exactly the threshold candidates (more above it), the one with the fewest false
 * positives below it (the smallest area under the curve from 0 to the threshold).
 */
export function bandsFor(threshold: number, hashes: number): { bands: number; rows: number } {
  const steps = 200;
  const candidateProbability = (similarity: number, bands: number, rows: number) => 1 - (1 - similarity ** rows) ** bands;
  let best = { bands: hashes, rows: 1, falsePositives: Number.POSITIVE_INFINITY };
  for (let rows = 1; rows <= hashes; rows += 1) {
    const bands = Math.floor(hashes / rows);
    if (candidateProbability(threshold, bands, rows) < RECALL_AT_THRESHOLD) continue;
    let falsePositives = 0;
    for (let step = 0; step < steps; step += 1) falsePositives += candidateProbability(((step + 0.5) / steps) * threshold, bands, rows);
    falsePositives *= threshold / steps;
    if (falsePositives < best.falsePositives) best = { bands, rows, falsePositives };
  }
  return { bands: best.bands, rows: best.rows };
}

/**
 * The murmur3 finaliser: spreads a 32-bit hash over all bits. Hashes stay signed 32-bit integers
 * (compared in signed order, which is as good a fixed order as any) so V8 keeps them in integer
 * registers; unsigned values above 2^31 would be doubles.
 */
function mix32(value: number): number {
  let hash = value | 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash;
}

/**
 * One-permutation MinHash with optimal densification (Li, Owen & Zhang 2012; Shrivastava 2017):
 * each shingle is hashed once, its hash picks one of `hashes` bins and the bin keeps its smallest
 * hash; an empty bin borrows the value of the first non-empty bin on its own seeded probe
 * sequence, which is the same for every text. As with `hashes` independent permutations, two
 * texts agree in a slot with probability equal to their Jaccard similarity, at the cost of one
 * hash per shingle instead of `hashes`.
 */
const ROLLING_BASE = 0x01000193;
/**
 * How far below the threshold the share of agreeing signature slots may be before a candidate is
 * dropped unchecked: over 4 standard deviations of that estimate with 128 hashes.
 */
const SIGNATURE_MARGIN = 0.15;

class MinHasher {
  private readonly filled: Uint8Array;
  readonly signature: Int32Array;
  private readonly shingleSeed: number;
  private readonly probeSeed: number;
  /** ROLLING_BASE^(shingleSize-1): the weight of the code unit leaving the window. */
  private readonly outgoingFactor: number;

  constructor(
    readonly hashes: number,
    private readonly shingleSize: number,
    seed: number,
  ) {
    const random = new SeededRandom(`minhash:${seed}`);
    this.shingleSeed = Math.floor(random.next() * 0x100000000) | 0;
    this.probeSeed = Math.floor(random.next() * 0x100000000) | 0;
    let factor = 1;
    for (let power = 1; power < shingleSize; power += 1) factor = Math.imul(factor, ROLLING_BASE);
    this.outgoingFactor = factor;
    this.signature = new Int32Array(hashes);
    this.filled = new Uint8Array(hashes);
  }

  /** Fills `signature` with the key's MinHash signature. */
  sign(key: string): void {
    const { shingleSize: size, hashes, signature, filled } = this;
    const count = key.length <= size ? 1 : key.length - size + 1;
    filled.fill(0);
    // A polynomial rolling hash of each shingle's code units, then seeded and mixed.
    let rolling = 0;
    const first = Math.min(size, key.length);
    for (let position = 0; position < first; position += 1) rolling = (Math.imul(rolling, ROLLING_BASE) + key.charCodeAt(position)) | 0;
    const outgoing = this.outgoingFactor;
    for (let start = 0; start < count; start += 1) {
      if (start > 0) {
        rolling = (Math.imul(rolling - Math.imul(key.charCodeAt(start - 1), outgoing), ROLLING_BASE) + key.charCodeAt(start + size - 1)) | 0;
      }
      const hash = mix32(rolling ^ this.shingleSeed);
      // Multiply-shift: the top 16 bits scaled to 0..hashes-1 (no floating-point modulo).
      const bin = ((hash >>> 16) * hashes) >>> 16;
      if (hash < (signature[bin] as number) || filled[bin] === 0) {
        signature[bin] = hash;
        filled[bin] = 1;
      }
    }
    for (let bin = 0; bin < hashes; bin += 1) {
      if (filled[bin] === 1) continue;
      for (let attempt = 1; ; attempt += 1) {
        const donor = ((mix32(this.probeSeed ^ Math.imul(bin + 1, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca6b)) >>> 16) * hashes) >>> 16;
        if (filled[donor] === 1) {
          signature[bin] = signature[donor] as number;
          break;
        }
      }
    }
  }
}

/**
 * Finds the near-duplicates among `keys` (and of `references`), in input order. Empty keys are
 * never near-duplicates (the exact dedupe removes them).
 */
export function findNearDuplicates(keys: readonly string[], options: NearDuplicateOptions, references: readonly string[] = []): NearDuplicate[] {
  const { threshold } = options;
  const shingleSize = options.shingleSize ?? NEAR_DUPLICATE_DEFAULTS.shingleSize;
  const hashes = options.hashes ?? NEAR_DUPLICATE_DEFAULTS.hashes;
  const seed = options.seed ?? NEAR_DUPLICATE_DEFAULTS.seed;
  if (!(threshold > 0 && threshold <= 1)) throw new Error(`the near-duplicate threshold must be a Jaccard similarity in (0, 1], got ${threshold}`);
  if (!Number.isInteger(shingleSize) || shingleSize < 1) throw new Error(`the shingle size must be a positive integer, got ${shingleSize}`);
  if (!Number.isInteger(hashes) || hashes < 2 || hashes > 1024) throw new Error(`the MinHash function count must be an integer in 2..1024, got ${hashes}`);

  const { bands, rows } = bandsFor(threshold, hashes);
  const hasher = new MinHasher(hashes, shingleSize, seed);
  const referenceCount = references.length;
  const total = referenceCount + keys.length;
  // One bucket table per band: bucket hash -> the last indexed entry; `previous` chains the rest.
  const buckets = Array.from({ length: bands }, () => new Map<number, number>());
  const previous = new Int32Array(total * bands).fill(-1);
  const bandHashes = new Int32Array(bands);
  // Signatures of indexed entries: a candidate whose signatures agree far less than the threshold
  // is dropped before the exact (and much dearer) shingle comparison.
  const signatures = new Int32Array(total * hashes);
  const minimumAgreement = Math.max(0, Math.floor((threshold - SIGNATURE_MARGIN) * hashes));
  const keyOf = (entry: number) => (entry < referenceCount ? (references[entry] as string) : (keys[entry - referenceCount] as string));

  const signBands = (key: string) => {
    hasher.sign(key);
    const { signature } = hasher;
    for (let band = 0; band < bands; band += 1) {
      let hash = 0x811c9dc5 ^ band;
      for (let row = band * rows; row < (band + 1) * rows; row += 1) hash = Math.imul(hash ^ (signature[row] as number), 0x01000193);
      // 30 bits: a small integer in V8, the cheapest Map key.
      bandHashes[band] = mix32(hash) & 0x3fffffff;
    }
  };
  const index = (entry: number) => {
    signatures.set(hasher.signature, entry * hashes);
    for (let band = 0; band < bands; band += 1) {
      const table = buckets[band] as Map<number, number>;
      const bucket = bandHashes[band] as number;
      previous[entry * bands + band] = table.get(bucket) ?? -1;
      table.set(bucket, entry);
    }
  };

  for (let reference = 0; reference < referenceCount; reference += 1) {
    if ((references[reference] as string).length === 0) continue;
    signBands(references[reference] as string);
    index(reference);
  }

  const found: NearDuplicate[] = [];
  const checked = new Set<number>();
  for (let position = 0; position < keys.length; position += 1) {
    const key = keys[position] as string;
    if (key.length === 0) continue;
    const entry = referenceCount + position;
    signBands(key);
    checked.clear();
    let shingles: Set<string> | undefined;
    let match: { entry: number; similarity: number } | undefined;
    for (let band = 0; band < bands; band += 1) {
      for (let other = (buckets[band] as Map<number, number>).get(bandHashes[band] as number) ?? -1; other >= 0; other = previous[other * bands + band] as number) {
        if (checked.has(other)) continue;
        checked.add(other);
        // The first reference, else the earliest text: a later candidate cannot win over one already matched.
        if (match !== undefined && match.entry < other) continue;
        let agreeing = 0;
        const otherStart = other * hashes;
        for (let hash = 0; hash < hashes; hash += 1) if (signatures[otherStart + hash] === hasher.signature[hash]) agreeing += 1;
        if (agreeing < minimumAgreement) continue;
        shingles ??= shinglesOf(key, shingleSize);
        const similarity = jaccardOfSets(shingles, shinglesOf(keyOf(other), shingleSize));
        if (similarity >= threshold) match = { entry: other, similarity };
      }
    }
    if (match === undefined) index(entry);
    else {
      found.push({
        index: position,
        of: match.entry < referenceCount ? { reference: match.entry } : { text: match.entry - referenceCount },
        similarity: match.similarity,
      });
    }
  }
  return found;
}
