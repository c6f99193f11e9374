/**
 * Seeded synthetic stand-ins for what an LLM and a teacher model would give the data-scale bench:
 * sentence-like texts of three labels (with exact and near duplicates planted, and copies of test
 * and demo rows), teacher probabilities per epoch checkpoint, and unit-length sentence embeddings
 * with topic structure. Everything comes from SeededRandom, so every run sees the same data.
 */
import { SeededRandom } from '../src/data/seeded-random';

export const LABELS = ['negative', 'neutral', 'positive'] as const;

const CONSONANTS = 'bdfgklmnprstvz';
const VOWELS = 'aeiou';

function pseudoWords(count: number, random: SeededRandom): string[] {
  const words = new Set<string>();
  while (words.size < count) {
    const syllables = 1 + random.nextInt(3);
    let word = '';
    for (let syllable = 0; syllable < syllables; syllable += 1) {
      word += (CONSONANTS[random.nextInt(CONSONANTS.length)] as string) + (VOWELS[random.nextInt(VOWELS.length)] as string);
      if (random.next() < 0.3) word += CONSONANTS[random.nextInt(CONSONANTS.length)] as string;
    }
    words.add(word);
  }
  return [...words];
}

/** How often a generated line is planted rather than new. */
export const PLANTED_SHARES = {
  /** the same text again under the same label, with other case and punctuation (the generate stage drops it) */
  exactWithinLabel: 0.02,
  /** a text of another label, verbatim (dedupe removes every copy) */
  exactAcrossLabels: 0.004,
  /** an earlier text of the same label with one word changed or added */
  nearDuplicate: 0.03,
  /** a test row, verbatim or with one word changed */
  testCopy: 0.003,
  /** a demo, verbatim */
  demoCopy: 0.001,
} as const;

export class SyntheticTexts {
  private readonly random: SeededRandom;
  private readonly common: string[];
  private readonly byLabel: string[][];
  private readonly earlier: string[][] = LABELS.map(() => []);
  readonly test: { text: string; label: string }[];
  readonly demos: Record<string, { text: string }[]>;

  constructor(seed: string) {
    const vocabulary = new SeededRandom(`${seed}:vocabulary`);
    const words = pseudoWords(2600, vocabulary);
    this.common = words.slice(0, 2000);
    this.byLabel = LABELS.map((_, label) => words.slice(2000 + label * 200, 2200 + label * 200));
    this.random = new SeededRandom(`${seed}:texts`);
    const heldOut = new SeededRandom(`${seed}:test`);
    this.test = Array.from({ length: 2000 }, (_, index) => ({ text: this.sentence(index % 3, heldOut), label: LABELS[index % 3] as string }));
    this.demos = Object.fromEntries(LABELS.map((label, index) => [label, Array.from({ length: 8 }, () => ({ text: this.sentence(index, heldOut) }))]));
  }

  /** 10 to 24 words: mostly common words, a quarter of them typical of the label, capitalised, with a full stop. */
  private sentence(label: number, random: SeededRandom): string {
    const length = 10 + random.nextInt(15);
    const own = this.byLabel[label] as string[];
    const words: string[] = [];
    for (let index = 0; index < length; index += 1) {
      const pool = random.next() < 0.25 ? own : this.common;
      words.push(pool[random.nextInt(pool.length)] as string);
    }
    const text = words.join(' ');
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  }

  private changeOneWord(text: string): string {
    const words = text.split(' ');
    const at = 1 + this.random.nextInt(Math.max(1, words.length - 2));
    const word = this.common[this.random.nextInt(this.common.length)] as string;
    if (this.random.next() < 0.5) words[at] = word;
    else words.splice(at, 0, word);
    return words.join(' ');
  }

  /** The next line an LLM asked for `label` would write. */
  next(label: number): string {
    const random = this.random;
    const own = this.earlier[label] as string[];
    let roll = random.next();
    const pick = (list: readonly string[]) => list[random.nextInt(list.length)] as string;
    let text: string | undefined;
    if ((roll -= PLANTED_SHARES.exactWithinLabel) < 0 && own.length > 0) text = `${pick(own).toUpperCase()}!`;
    else if ((roll -= PLANTED_SHARES.exactAcrossLabels) < 0) {
      const other = this.earlier[(label + 1 + random.nextInt(LABELS.length - 1)) % LABELS.length] as string[];
      if (other.length > 0) text = pick(other);
    } else if ((roll -= PLANTED_SHARES.nearDuplicate) < 0 && own.length > 0) text = this.changeOneWord(pick(own));
    else if ((roll -= PLANTED_SHARES.testCopy) < 0) {
      const row = pick(this.test.map((example) => example.text));
      text = random.next() < 0.5 ? row : this.changeOneWord(row);
    } else if ((roll -= PLANTED_SHARES.demoCopy) < 0) text = pick((this.demos[LABELS[label] as string] ?? []).map((demo) => demo.text));
    text ??= this.sentence(label, random);
    own.push(text);
    return text;
  }
}

/**
 * Teacher probabilities for `rows` rows of 3 labels over `epochs` checkpoints, E x N x C in one
 * array: the prompt's label (or, for about one row in eight, another label: the prompt was
 * wrong) gains logit with each epoch at a per-row rate, so rows differ in mean and spread.
 */
export function teacherProbabilities(promptLabels: readonly number[], epochs: number, seed: string): Float32Array {
  const rows = promptLabels.length;
  const labels = LABELS.length;
  const random = new SeededRandom(`${seed}:teacher`);
  const probabilities = new Float32Array(epochs * rows * labels);
  const logits = new Float64Array(labels);
  for (let row = 0; row < rows; row += 1) {
    const target = random.next() < 0.125 ? random.nextInt(labels) : (promptLabels[row] as number);
    const rate = 0.2 + random.next() * 1.6;
    for (let epoch = 0; epoch < epochs; epoch += 1) {
      let total = 0;
      for (let label = 0; label < labels; label += 1) {
        logits[label] = (label === target ? rate * (epoch + 1) : 0) + (random.next() - 0.5);
        total += Math.exp(logits[label] as number);
      }
      const offset = (epoch * rows + row) * labels;
      for (let label = 0; label < labels; label += 1) probabilities[offset + label] = Math.exp(logits[label] as number) / total;
    }
  }
  return probabilities;
}

/**
 * Unit-length embeddings, N x dimension: a direction shared by all rows (sentence encoders such as
 * e5 put every sentence in a narrow cone: cosines of 0.6 to 0.9), a topic direction (one of 64), a
 * label direction and noise, so k-means has structure to find and the classes overlap. The noise is read from a
 * seeded table at a random offset per row, which keeps making 50 million values cheap.
 */
export function sentenceEmbeddings(promptLabels: readonly number[], dimension: number, seed: string): Float32Array {
  const random = new SeededRandom(`${seed}:embeddings`);
  const direction = () => Float32Array.from({ length: dimension }, () => random.next() * 2 - 1);
  const shared = direction();
  const topics = Array.from({ length: 64 }, direction);
  const labelDirections = LABELS.map(direction);
  const tableSize = 1 << 16;
  const noise = Float32Array.from({ length: tableSize }, () => random.next() * 2 - 1);
  const rows = promptLabels.length;
  const embeddings = new Float32Array(rows * dimension);
  for (let row = 0; row < rows; row += 1) {
    const topic = topics[random.nextInt(topics.length)] as Float32Array;
    const label = labelDirections[promptLabels[row] as number] as Float32Array;
    const start = random.nextInt(tableSize);
    const offset = row * dimension;
    let squared = 0;
    for (let axis = 0; axis < dimension; axis += 1) {
      const value =
        1.2 * (shared[axis] as number) + 0.7 * (topic[axis] as number) + 0.4 * (label[axis] as number) + 0.6 * (noise[(start + axis * 7) & (tableSize - 1)] as number);
      embeddings[offset + axis] = value;
      squared += value * value;
    }
    const scale = 1 / Math.sqrt(squared);
    for (let axis = 0; axis < dimension; axis += 1) embeddings[offset + axis] = (embeddings[offset + axis] as number) * scale;
  }
  return embeddings;
}
