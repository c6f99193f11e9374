/**
 * The plan's estimate of requests and tokens, computed by hand for small grids; a generator's price
 * left out of every key; the cost table's sums (label summaries shared by products counted once).
 */
import { describe, expect, it } from 'vitest';
import type { CellResult, DataProductResult } from '../../src/artifacts/results';
import { estimateSweep, LINE_OVERHEAD_TOKENS, type ProductPromptSizes } from '../../src/config/estimate';
import { parseSweepConfig } from '../../src/config/load';
import { planSweep } from '../../src/config/plan';
import type { SweepConfigInput } from '../../src/config/schema';
import { costCsv } from '../../src/report/cost-csv';
import { costMarkdown, priceOf, sweepCosts } from '../../src/report/costs';

const LABELS = ['a', 'b', 'c'];
const ref = (sha: string) => ({ uri: `file:///artifacts/${sha}`, sha256: sha.padEnd(64, '0'), bytes: 1 });

function config(overrides: Partial<SweepConfigInput> = {}) {
  return parseSweepConfig(
    {
      name: 'estimate',
      tasks: [{ dataset: 'sib200' }],
      languages: ['cy', 'he'],
      strategies: ['TargetDemos', 'TargetDemos+SL+Revision'],
      generators: [{ name: 'remote', provider: { kind: 'openai-compatible', baseURL: 'http://localhost:8000/v1', model: 'm' } }],
      seeds: [1, 2, 3],
      generation: { samplesPerLabel: 25, samplesPerRequest: 10, maxRequestsPerLabel: 5, sampling: { temperature: 0.4, topP: 0.9, repetitionPenalty: 1.2, maxTokens: 300 } },
      revision: { sampling: { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 40 } },
      labelDescriptions: { source: 'llm', sampling: { temperature: 0, topP: 1, repetitionPenalty: 1, maxTokens: 80 } },
      selection: { perLabel: 10 },
      training: { model: 'packaged:multilingual-e5-small' },
      ...overrides,
    },
    'test config',
  );
}

const sizes: ProductPromptSizes = {
  generationPromptTokens: { a: 100, b: 110, c: 120 },
  sampleTokens: 18,
  judgePromptTokens: 70,
  summaryPromptTokens: { a: 200, b: 210, c: 220 },
};

describe('sweep plan estimate', () => {
  it('counts requests and tokens per stage from the grid, quotas, maxTokens and prompt sizes', () => {
    const plan = planSweep(config());
    const estimate = estimateSweep(plan, () => LABELS, () => sizes);
    expect(estimate.products).toHaveLength(4);

    const [plain, revised] = [estimate.products.find((product) => product.key.startsWith('sib200.cy.TargetDemos.'))!, estimate.products.find((product) => product.key.startsWith('sib200.cy.TargetDemos+SL+Revision.'))!];
    // ceil(25 / 10) = 3 requests per label; a reply of 10 samples × (18 + 2) tokens = 200 < maxTokens 300.
    expect(plain.generate.expected).toEqual({ requests: 9, promptTokens: 3 * (100 + 110 + 120), completionTokens: 9 * 10 * (18 + LINE_OVERHEAD_TOKENS) });
    expect(plain.generate.atMost).toEqual({ requests: 15, promptTokens: 5 * 330, completionTokens: 15 * 300 });
    expect(plain.revise).toBeUndefined();
    expect(plain.summarizeLabels).toBeUndefined();
    // The judge sees 25 candidates per label, each prompt the template plus one sample, each reply its maxTokens.
    expect(revised.revise?.expected).toEqual({ requests: 75, promptTokens: 75 * (70 + 18), completionTokens: 75 * 40 });
    expect(revised.revise?.atMost).toEqual({ requests: 5 * 10 * 3, promptTokens: 150 * 88, completionTokens: 150 * 40 });
    expect(revised.summarizeLabels?.estimate.expected).toEqual({ requests: 3, promptTokens: 630, completionTokens: 240 });

    // Both languages share one label-summary set (same task and generator): counted once.
    const generate = 4 * 9;
    const revise = 2 * 75;
    expect(estimate.total.expected.requests).toBe(generate + revise + 3);
    expect(estimate.total.expected.promptTokens).toBe(4 * 990 + 2 * 75 * 88 + 630);
    expect(estimate.total.expected.completionTokens).toBe(4 * 1800 + 2 * 3000 + 240);
  });

  it('caps a reply at maxTokens and the requests at maxRequestsPerLabel', () => {
    const plan = planSweep(config({ strategies: ['TargetDemos'], languages: ['cy'], generation: { samplesPerLabel: 100, samplesPerRequest: 20, maxRequestsPerLabel: 2 } }));
    const [product] = estimateSweep(plan, () => LABELS, () => sizes).products;
    // 100 / 20 = 5 requests wanted, the cap allows 2; 20 × 20 = 400 tokens wanted, the default maxTokens allows 512.
    expect(product!.generate.expected).toEqual({ requests: 6, promptTokens: 2 * 330, completionTokens: 6 * 400 });
    expect(estimateSweep(planSweep(config({ strategies: ['TargetDemos'], languages: ['cy'], generation: { samplesPerLabel: 100, samplesPerRequest: 40, maxRequestsPerLabel: 2 } })), () => LABELS, () => sizes).products[0]!.generate.expected.completionTokens).toBe(6 * 512);
  });

  it('counts whole tokens when the measured sizes are means', () => {
    const plan = planSweep(config({ strategies: ['TargetDemos+Revision'], languages: ['cy'] }));
    const [product] = estimateSweep(plan, () => LABELS, () => ({ ...sizes, sampleTokens: 7.3, judgePromptTokens: 70.5 })).products;
    // 10 samples × 9.3 tokens = 93 tokens a reply; the judge sees 70.5 + 7.3 = 77.8, so 78.
    expect(product!.generate.expected.completionTokens).toBe(9 * 93);
    expect(product!.revise!.expected.promptTokens).toBe(75 * 78);
  });

  it('says which size is missing instead of estimating without it', () => {
    const plan = planSweep(config({ strategies: ['TargetDemos+Revision'], languages: ['cy'] }));
    expect(() => estimateSweep(plan, () => LABELS, () => ({ ...sizes, judgePromptTokens: undefined }))).toThrow(/no judge prompt size/);
    expect(() => estimateSweep(plan, () => [...LABELS, 'd'], () => sizes)).toThrow(/label "d"/);
  });
});

describe('generator price', () => {
  it('is no part of any key: data products and cells keep theirs', () => {
    const plain = config();
    const priced = config({ generators: plain.generators.map((generator) => ({ ...generator, price: { promptPer1kTokens: 0.1, completionPer1kTokens: 0.3, currency: 'EUR' } })) });
    expect(priced.generators[0]?.price).toEqual({ promptPer1kTokens: 0.1, completionPer1kTokens: 0.3, currency: 'EUR' });
    expect(planSweep(priced).dataProducts.map((product) => product.key)).toEqual(planSweep(plain).dataProducts.map((product) => product.key));
    expect(planSweep(priced).cells.map((cell) => cell.key)).toEqual(planSweep(plain).cells.map((cell) => cell.key));
  });

  it('is checked: a negative price or an unknown field names the field', () => {
    const withPrice = (price: unknown) => () => config({ generators: [{ name: 'remote', provider: { kind: 'openai-compatible', baseURL: 'http://localhost:8000/v1', model: 'm' }, price } as never] });
    expect(withPrice({ promptPer1kTokens: -1, completionPer1kTokens: 1 })).toThrow(/generators\.0\.price\.promptPer1kTokens/);
    expect(withPrice({ promptPer1kTokens: 1, completionPer1kTokens: 1, perRequest: 2 })).toThrow(/perRequest/);
  });
});

describe('cost table', () => {
  const usage = (requests: number, promptTokens: number, completionTokens: number, backendSeconds: number) => ({ requests, promptTokens, completionTokens, backendSeconds });
  const product = (key: string, summaries: boolean): DataProductResult => ({
    key,
    dataset: ref('d'),
    requests: ref('r'),
    counts: { requested: {}, parsed: {}, unique: {}, rejectedByJudge: {}, removedAsDuplicates: {}, kept: {}, shortfall: {} },
    llmCalls: 0,
    generator: 'remote',
    ...(summaries ? { labelDescriptions: ref('summaries') } : {}),
    usage: { generate: usage(10, 1000, 500, 4), revise: usage(20, 2000, 100, 2), ...(summaries ? { summarizeLabels: usage(3, 600, 90, 1) } : {}) },
  });
  const cell = (key: string, device: string, train: number, predict: number): CellResult => ({
    key,
    kind: 'synthetic',
    task: 'sib200',
    language: 'cy',
    strategy: 'TargetDemos',
    generator: 'remote',
    seed: 1,
    trainSize: 10,
    accuracy: 0.5,
    macroF1: 0.5,
    metrics: ref('m'),
    modelDir: '/m',
    bestEpoch: 1,
    resumedFromEpoch: null,
    trainings: 1,
    compute: { train: { device, seconds: train }, predict: { device, seconds: predict } },
  });

  it('sums per generator and device, counts shared label summaries once, and prices tokens per 1k', () => {
    const products = [product('p1', true), product('p2', true), { ...product('old', false), usage: undefined }];
    const cells = [cell('c1', 'cuda:0', 100, 5), cell('c2', 'cuda:0', 50, 2.5), cell('c3', 'cpu', 10, 1), { ...cell('old', 'cpu', 0, 0), compute: undefined }];
    const costs = sweepCosts(products, cells);
    expect(costs.llm).toEqual(usage(2 * 30 + 3, 2 * 3000 + 600, 2 * 600 + 90, 2 * 6 + 1));
    expect(costs.productsWithoutUsage).toBe(1);
    expect(costs.cellsWithoutCompute).toBe(1);
    expect(costs.devices).toEqual([
      { device: 'cpu', cells: 1, trainSeconds: 10, predictSeconds: 1 },
      { device: 'cuda:0', cells: 2, trainSeconds: 150, predictSeconds: 7.5 },
    ]);
    const price = { promptPer1kTokens: 0.5, completionPer1kTokens: 2, currency: 'USD' };
    expect(priceOf(costs.llm, price)).toEqual({ amount: 5.88, currency: 'USD' });
    const rows = costCsv(costs, { remote: price }).trim().split('\r\n');
    expect(rows[0]).toBe('scope,key,generator,stage,device,llm_requests,prompt_tokens,completion_tokens,backend_seconds,train_seconds,predict_seconds,price,currency');
    expect(rows.filter((row) => row.startsWith('label-summaries,'))).toHaveLength(1);
    expect(rows.at(-1)).toBe(`sweep,,,,,63,6600,1290,13,160,8.5,5.88,USD`);
    // Without a price the price columns are blank.
    expect(costCsv(costs, {}).trim().split('\r\n').at(-1)).toBe('sweep,,,,,63,6600,1290,13,160,8.5,,');
  });

  it("counts a translated product's requests as its translate stage, not as generation", () => {
    const zero = usage(0, 0, 0, 0);
    const translated: DataProductResult = { ...product('sst5.sw.Translated.src.remote.abc', false), usage: { generate: zero, translate: usage(6, 900, 300, 3) } };
    const costs = sweepCosts([translated, product('p1', false)], []);
    expect(costs.stages.filter((stage) => stage.key === translated.key).map((stage) => [stage.stage, stage.usage.requests])).toEqual([['translate', 6]]);
    expect(costs.llm.requests).toBe(6 + 30);
    expect(costCsv(costs, {})).toContain(`product,${translated.key},remote,translate,,6,900,300,3`);
  });

  it('writes the plan estimate beside the actuals in cost.md', () => {
    const costs = sweepCosts([product('p1', false)], [cell('c1', 'cpu', 10, 1)]);
    const markdown = costMarkdown('sweep/x', costs, {}, {
      expected: { requests: 15, promptTokens: 1500, completionTokens: 300 },
      atMost: { requests: 60, promptTokens: 6000, completionTokens: 1200 },
      assumptions: 'every sample kept',
    });
    expect(markdown).toContain('- LLM: 30 LLM requests, 3,000 prompt + 600 completion tokens, 6.0 s waiting on the backend; price –');
    expect(markdown).toContain('| LLM requests | 15 | 60 | 30 | 2.00 |');
    expect(markdown).toContain('| completion tokens | 300 | 1,200 | 600 | 2.00 |');
    expect(markdown).toContain('Assumptions: every sample kept.');
    expect(markdown).toContain('| p1 | remote | revise | 20 | 2,000 | 100 | 2.0 s | – |');
    expect(markdown).toContain('| cpu | 1 | 10.0 s | 1.0 s |');
  });

  it('counts an LLM classifier cell as a classify stage, not as a cell without training time, and leaves it out of the plan comparison', () => {
    const classifierCell = (key: string, withUsage: boolean): CellResult => ({
      ...cell(key, 'cpu', 0, 0),
      kind: 'classifier',
      trainings: 0,
      compute: undefined,
      classifier: {
        name: 'remote',
        mode: 'zero-shot',
        n: 100,
        outOfLabel: 2,
        outOfLabelRate: 0.02,
        constraint: 'none',
        requests: ref('r'),
        ...(withUsage ? { usage: usage(100, 9000, 300, 40) } : {}),
      },
    });
    const costs = sweepCosts([product('p1', false)], [cell('c1', 'cpu', 10, 1), classifierCell('k1', true), classifierCell('k-old', false)]);
    expect(costs.cellsWithoutCompute).toBe(0);
    expect(costs.classifiersWithoutUsage).toBe(1);
    expect(costs.stages.filter((stage) => stage.stage === 'classify')).toEqual([{ key: 'k1', generator: 'remote', stage: 'classify', usage: usage(100, 9000, 300, 40) }]);
    expect(costs.llm.requests).toBe(30 + 100);
    expect(costs.devices).toEqual([{ device: 'cpu', cells: 1, trainSeconds: 10, predictSeconds: 1 }]);
    expect(costCsv(costs, {}).split('\r\n').filter((row) => row.startsWith('classifier-cell,k1,remote,classify,'))).toHaveLength(1);
    const markdown = costMarkdown('sweep/x', costs, {}, {
      expected: { requests: 15, promptTokens: 1500, completionTokens: 300 },
      atMost: { requests: 60, promptTokens: 6000, completionTokens: 1200 },
      assumptions: 'every sample kept',
    });
    expect(markdown).toContain('- LLM: 130 LLM requests');
    expect(markdown).toContain('| LLM requests | 15 | 60 | 30 | 2.00 |');
    expect(markdown).toContain('- 1 classifier cells were recorded before usage was counted: not in these totals');
    expect(markdown).not.toContain('recorded before training time was measured');
  });
});
