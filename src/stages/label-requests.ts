/**
 * One label's generation requests in one round, with several in flight at once: which request
 * index to send next, and which samples the finished requests give.
 *
 * Samples are taken in request-index order, whatever order the replies arrive in: a reply is
 * folded in once every lower index has been, and a label keeps the first `target` unique texts
 * in that order. So the kept samples depend on the replies and not on timing or concurrency, and
 * samples past the target are never kept. A request's index (and so its sampling seed) is the
 * lowest one not yet finished or in flight.
 *
 * How many requests a label keeps in flight: as many as its deficit needs at the yield seen so
 * far (unique new samples per request; the `samplesPerRequest` it asks for until a reply has been
 * seen), so a label overshoots its target by at most the requests in flight when it is met. An
 * index below a finished one (a request lost with a killed attempt) is always sent: the fold
 * waits for it.
 */
import { normalizeForDedupe } from './normalize';

export interface LabelSample {
  text: string;
  requestIndex: number;
}

export interface LabelRequestsOptions {
  /** Unique samples wanted, counting the earlier rounds'. */
  target: number;
  /** Requests allowed over all rounds: indices stay below it. */
  maxRequests: number;
  /** Samples one request asks for: the expected yield until a reply has been seen. */
  samplesPerRequest: number;
  /** What the earlier rounds left: their samples in order, and how many requests they made (this round's first index). */
  earlier: { requests: number; samples: readonly LabelSample[] };
}

export class LabelRequests {
  /** The earlier rounds' samples, then this round's, in request-index order. */
  readonly samples: LabelSample[];
  private readonly target: number;
  private readonly maxRequests: number;
  private readonly samplesPerRequest: number;
  private readonly earlier: LabelRequestsOptions['earlier'];
  private readonly seen: Set<string>;
  /** Finished requests whose texts wait for a lower index before they are folded in. */
  private readonly waiting = new Map<number, readonly string[]>();
  private readonly inFlight = new Set<number>();
  private readonly addedByIndex = new Map<number, number>();
  private nextToFold: number;
  private highestFinished = -1;
  /** Texts of this round's folded requests that were new, kept or past the target: the yield. */
  private newTexts = 0;

  constructor(options: LabelRequestsOptions) {
    this.target = options.target;
    this.maxRequests = options.maxRequests;
    this.samplesPerRequest = options.samplesPerRequest;
    this.earlier = options.earlier;
    this.samples = [...options.earlier.samples];
    this.seen = new Set(this.samples.map((sample) => normalizeForDedupe(sample.text)));
    this.nextToFold = options.earlier.requests;
  }

  /** Requests made over all rounds that finished. */
  get requests(): number {
    return this.nextToFold + this.waiting.size;
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  /** Whether every finished request has been folded in (none waits for a lower index). */
  get settled(): boolean {
    return this.waiting.size === 0;
  }

  /** Samples a folded request of this round added (0 for one past the target or all duplicates). */
  addedBy(requestIndex: number): number {
    return this.addedByIndex.get(requestIndex) ?? 0;
  }

  /** The index to send now, marked in flight; undefined when the label needs no request now. */
  next(): number | undefined {
    let index = this.nextToFold;
    while (this.waiting.has(index) || this.inFlight.has(index)) index += 1;
    if (index >= this.maxRequests) return undefined;
    const fillsGap = index < this.highestFinished;
    if (!fillsGap && !this.wantsMore()) return undefined;
    this.inFlight.add(index);
    return index;
  }

  /**
   * Records a finished request's parsed texts. False (and nothing recorded) for an index of an
   * earlier round or one already finished, as a log written twice for one index would hold.
   */
  finish(requestIndex: number, texts: readonly string[]): boolean {
    this.inFlight.delete(requestIndex);
    if (requestIndex < this.nextToFold || this.waiting.has(requestIndex)) return false;
    this.waiting.set(requestIndex, texts);
    this.highestFinished = Math.max(this.highestFinished, requestIndex);
    this.fold();
    return true;
  }

  /** A request that failed: its index is free to be sent again. */
  abandon(requestIndex: number): void {
    this.inFlight.delete(requestIndex);
  }

  private fold(): void {
    for (let texts = this.waiting.get(this.nextToFold); texts !== undefined; texts = this.waiting.get(this.nextToFold)) {
      this.waiting.delete(this.nextToFold);
      let added = 0;
      for (const text of texts) {
        const key = normalizeForDedupe(text);
        if (this.seen.has(key)) continue;
        this.newTexts += 1;
        if (this.samples.length >= this.target) continue;
        this.seen.add(key);
        this.samples.push({ text, requestIndex: this.nextToFold });
        added += 1;
      }
      this.addedByIndex.set(this.nextToFold, added);
      this.nextToFold += 1;
    }
  }

  /** Unique new samples one request is expected to give. */
  private expectedYield(): number {
    const foldedThisRound = this.nextToFold - this.earlier.requests;
    if (foldedThisRound > 0) return this.newTexts / foldedThisRound;
    if (this.earlier.requests > 0) return this.earlier.samples.length / this.earlier.requests;
    return this.samplesPerRequest;
  }

  private wantsMore(): boolean {
    // Finished replies that wait to be folded count at most all their texts.
    let waitingTexts = 0;
    for (const texts of this.waiting.values()) waitingTexts += texts.length;
    const deficit = this.target - this.samples.length - waitingTexts;
    if (deficit <= 0) return false;
    const expected = this.expectedYield();
    // A label that has yielded nothing so far may use its whole request cap.
    if (expected <= 0) return true;
    return this.inFlight.size < Math.ceil(deficit / expected);
  }
}
