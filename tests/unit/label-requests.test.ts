import { describe, expect, it } from 'vitest';
import { LabelRequests } from '../../src/stages/label-requests';

/** `count` distinct texts for request `index`. */
const textsOf = (index: number, count = 4) => Array.from({ length: count }, (_, line) => `text ${index}-${line} about the topic`);

/** Takes every index the label wants right now. */
function drain(plan: LabelRequests): number[] {
  const taken: number[] = [];
  for (let index = plan.next(); index !== undefined; index = plan.next()) taken.push(index);
  return taken;
}

describe('LabelRequests', () => {
  it('sends as many requests at once as the deficit needs at the expected yield', () => {
    const plan = new LabelRequests({ target: 40, maxRequests: 100, samplesPerRequest: 4, earlier: { requests: 0, samples: [] } });
    expect(drain(plan)).toEqual(Array.from({ length: 10 }, (_, index) => index));
    expect(plan.requestsInFlight).toBe(10);
  });

  it('keeps samples in request-index order whatever order replies arrive in, and never past the target', () => {
    const inOrder = new LabelRequests({ target: 10, maxRequests: 100, samplesPerRequest: 4, earlier: { requests: 0, samples: [] } });
    const reversed = new LabelRequests({ target: 10, maxRequests: 100, samplesPerRequest: 4, earlier: { requests: 0, samples: [] } });
    expect(drain(inOrder)).toEqual([0, 1, 2]);
    expect(drain(reversed)).toEqual([0, 1, 2]);
    for (const index of [0, 1, 2]) inOrder.finish(index, textsOf(index));
    for (const index of [2, 1, 0]) reversed.finish(index, textsOf(index));

    expect(inOrder.samples).toHaveLength(10);
    expect(reversed.samples).toEqual(inOrder.samples);
    expect(inOrder.samples.at(-1)).toEqual({ text: 'text 2-1 about the topic', requestIndex: 2 });
    expect([0, 1, 2].map((index) => reversed.addedBy(index))).toEqual([4, 4, 2]);
    expect(reversed.requests).toBe(3);
    expect(drain(reversed)).toEqual([]);
  });

  it('asks for more when duplicates leave the label short, at the yield it has seen', () => {
    const plan = new LabelRequests({ target: 8, maxRequests: 100, samplesPerRequest: 4, earlier: { requests: 0, samples: [] } });
    expect(drain(plan)).toEqual([0, 1]);
    plan.finish(0, textsOf(0));
    plan.finish(1, textsOf(0)); // all four are duplicates of request 0's
    // Yield 2 per request so far, deficit 4: two more.
    expect(drain(plan)).toEqual([2, 3]);
  });

  it('sends a lost index below a finished one first, even when the finished ones would cover the target', () => {
    const plan = new LabelRequests({ target: 8, maxRequests: 100, samplesPerRequest: 4, earlier: { requests: 0, samples: [] } });
    // A resumed attempt: requests 1 and 2 finished, request 0 was in flight when the worker died.
    expect(plan.finish(1, textsOf(1))).toBe(true);
    expect(plan.finish(2, textsOf(2))).toBe(true);
    expect(plan.settled).toBe(false);
    expect(drain(plan)).toEqual([0]);
    plan.finish(0, textsOf(0));
    expect(plan.settled).toBe(true);
    expect(plan.samples.map((sample) => sample.requestIndex)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(plan.addedBy(2)).toBe(0);
    expect(plan.requests).toBe(3);
  });

  it('ignores an index finished twice and an index of an earlier round', () => {
    const earlier = { requests: 2, samples: textsOf(0).map((text) => ({ text, requestIndex: 0 })) };
    const plan = new LabelRequests({ target: 8, maxRequests: 100, samplesPerRequest: 4, earlier });
    expect(plan.finish(1, textsOf(1))).toBe(false);
    expect(drain(plan)).toEqual([2, 3]); // yield of the earlier rounds: 4 samples from 2 requests
    expect(plan.finish(2, textsOf(2))).toBe(true);
    expect(plan.finish(2, textsOf(5))).toBe(false);
    expect(plan.samples).toHaveLength(8);
  });

  it('stops at the request cap and sends nothing for a label whose target is met', () => {
    const capped = new LabelRequests({ target: 100, maxRequests: 3, samplesPerRequest: 4, earlier: { requests: 1, samples: [] } });
    expect(drain(capped)).toEqual([1, 2]);
    const met = new LabelRequests({ target: 4, maxRequests: 30, samplesPerRequest: 4, earlier: { requests: 1, samples: textsOf(0).map((text) => ({ text, requestIndex: 0 })) } });
    expect(drain(met)).toEqual([]);
  });

  it('frees an abandoned index to be sent again', () => {
    const plan = new LabelRequests({ target: 4, maxRequests: 30, samplesPerRequest: 4, earlier: { requests: 0, samples: [] } });
    expect(drain(plan)).toEqual([0]);
    plan.abandon(0);
    expect(drain(plan)).toEqual([0]);
  });
});
