/**
 * The project's only source of randomness. Pure (no Node built-ins, no Math.random), so the same
 * code runs inside Temporal workflow sandboxes and activities and gives identical results.
 */
import { seedFromText } from '../shared/hash';

export type Seed = number | string;

/** mulberry32 generator; a seed of any type is hashed first, so seeds 1 and 2 are unrelated streams. */
export class SeededRandom {
  private state: number;

  constructor(seed: Seed) {
    this.state = seedFromText(`${typeof seed}:${String(seed)}`);
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) {
      throw new Error(`nextInt needs a positive integer bound, got ${maxExclusive}`);
    }
    return Math.floor(this.next() * maxExclusive);
  }

  /** A shuffled copy (Fisher-Yates); the input is not modified. */
  shuffle<T>(items: readonly T[]): T[] {
    const result = items.slice();
    for (let index = result.length - 1; index > 0; index -= 1) {
      const other = this.nextInt(index + 1);
      const current = result[index] as T;
      result[index] = result[other] as T;
      result[other] = current;
    }
    return result;
  }

  /** Up to `count` items without replacement, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    if (!Number.isInteger(count) || count < 0) {
      throw new Error(`sample needs a non-negative integer count, got ${count}`);
    }
    return this.shuffle(items).slice(0, count);
  }
}

export function shuffle<T>(items: readonly T[], seed: Seed): T[] {
  return new SeededRandom(seed).shuffle(items);
}

export function sample<T>(items: readonly T[], count: number, seed: Seed): T[] {
  return new SeededRandom(seed).sample(items, count);
}
