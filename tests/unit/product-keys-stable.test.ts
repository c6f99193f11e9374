/**
 * Operational provider settings (how many requests at once, how long faults are retried) are not
 * part of what a data product is: adding `faultBudgetSeconds` with a default must not move the
 * keys of products already made, or every existing sweep would generate its data again. The keys
 * below were computed by the code before that setting existed.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSweepConfigValue, readConfigValue } from '../../src/config/load';
import { planSweep } from '../../src/config/plan';
import { repoRoot } from '../../src/infra/paths';

async function productKeys(config: string): Promise<string[]> {
  const checked = checkSweepConfigValue(await readConfigValue(join(repoRoot, 'configs', config)));
  if (!checked.config) throw new Error(`configs/${config} does not parse: ${JSON.stringify(checked.problems)}`);
  return planSweep(checked.config).dataProducts.map((product) => product.key);
}

describe('data-product keys', () => {
  it('of the demo and of study A are those the code before faultBudgetSeconds computed', async () => {
    const demo = await productKeys('demo.yaml');
    const studyA = await productKeys('study-a.yaml');
    expect(demo).toEqual(DEMO_KEYS);
    expect(studyA.slice(0, 4)).toEqual(STUDY_A_FIRST_KEYS);
  });

  it('do not change with concurrency or faultBudgetSeconds, and do change with the model', async () => {
    const checked = checkSweepConfigValue(await readConfigValue(join(repoRoot, 'configs', 'study-a.yaml')));
    const config = checked.config!;
    const keysWith = (provider: Record<string, unknown>) =>
      planSweep({ ...config, generators: config.generators.map((generator) => ({ ...generator, provider: { ...generator.provider, ...provider } as typeof generator.provider })) }).dataProducts.map((product) => product.key);
    const keys = keysWith({});
    expect(keysWith({ concurrency: 3, faultBudgetSeconds: 0 })).toEqual(keys);
    expect(keysWith({ model: 'another-model' })).not.toEqual(keys);
  });
});

const DEMO_KEYS = ['sib200.cy.TargetDemos.smollm2-135m.2a249f3d6b', 'sib200.he.TargetDemos.smollm2-135m.04e12fca4e'];
const STUDY_A_FIRST_KEYS = [
  'massive10.az.SL.gemma-3-4b-it.dbbebbc97e',
  'massive10.az.SL.gemma-3-27b-it.95f8427642',
  'massive10.az.SL.llama-3-8b-instruct.8b537b0caf',
  'massive10.az.SL.llama-3-70b-instruct.fdec3ef7a7',
];
