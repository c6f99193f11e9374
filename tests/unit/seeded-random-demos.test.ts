import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/readers';
import { sample, SeededRandom, shuffle } from '../../src/data/seeded-random';
import { sampleDemos, truncateToWords } from '../../src/stages/demos';

describe('SeededRandom', () => {
  it('is deterministic per seed and produces floats in [0, 1)', () => {
    const first = new SeededRandom(42);
    const second = new SeededRandom(42);
    const values = Array.from({ length: 1000 }, () => first.next());
    expect(Array.from({ length: 1000 }, () => second.next())).toEqual(values);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new SeededRandom(43).next()).not.toBe(values[0]);
    expect(new SeededRandom('42').next()).not.toBe(values[0]);
  });

  it('shuffles without losing items and without touching the input', () => {
    const input = Array.from({ length: 50 }, (_, index) => index);
    const shuffled = shuffle(input, 'seed');
    expect([...shuffled].sort((left, right) => left - right)).toEqual(input);
    expect(shuffled).not.toEqual(input);
    expect(input[0]).toBe(0);
    expect(shuffle(input, 'seed')).toEqual(shuffled);
  });

  it('samples without replacement, capped at the input size', () => {
    expect(sample([1, 2, 3], 10, 1)).toHaveLength(3);
    expect(new Set(sample(Array.from({ length: 20 }, (_, index) => index), 10, 5)).size).toBe(10);
    expect(() => new SeededRandom(1).nextInt(0)).toThrow();
  });
});

describe('sampleDemos', () => {
  const examples: Example[] = Array.from({ length: 40 }, (_, index) => ({
    id: String(index),
    text: `example number ${index} with several extra words here`,
    label: index % 2 === 0 ? 'even' : 'odd',
  }));

  it('is deterministic, label-filtered and independent of input order', () => {
    const demos = sampleDemos(examples, { label: 'even', count: 10, seed: 3, maxWords: 128 });
    expect(demos).toHaveLength(10);
    expect(demos.every((demo) => demo.label === 'even')).toBe(true);
    expect(sampleDemos([...examples].reverse(), { label: 'even', count: 10, seed: 3, maxWords: 128 })).toEqual(demos);
    expect(sampleDemos(examples, { label: 'even', count: 10, seed: 4, maxWords: 128 })).not.toEqual(demos);
  });

  it('returns all examples when there are fewer than count', () => {
    expect(sampleDemos(examples, { label: 'odd', count: 100, seed: 1, maxWords: 128 })).toHaveLength(20);
    expect(sampleDemos(examples, { label: 'missing', count: 10, seed: 1, maxWords: 128 })).toEqual([]);
  });

  it('truncates to maxWords words', () => {
    const [demo] = sampleDemos(examples, { label: 'odd', count: 1, seed: 1, maxWords: 3 });
    expect(demo?.text.split(' ')).toHaveLength(3);
    expect(truncateToWords('one two three', 5)).toBe('one two three');
  });

  it('truncates Thai (no spaces) to maxWords × 6 graphemes', () => {
    const thai = 'ที่บ้าน'.repeat(20);
    const truncated = truncateToWords(thai, 2);
    const graphemes = Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(truncated));
    expect(graphemes).toHaveLength(12);
    expect(thai.startsWith(truncated)).toBe(true);
  });
});
