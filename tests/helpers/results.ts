/** Record fixtures for report and records tests: a cell result with every required field, overridable. */
import type { CellResult } from '../../src/artifacts/results';

/** An artifact reference that points nowhere real. */
export const FIXTURE_REF = { uri: 'file:///tmp/m.json', sha256: 'a'.repeat(64), bytes: 3 };

export function cellResult(overrides: Partial<CellResult> & Pick<CellResult, 'key'>): CellResult {
  return {
    kind: 'synthetic',
    task: 'sib200',
    language: 'cy',
    strategy: 'TargetDemos',
    generator: 'g',
    seed: 1,
    trainSize: 10,
    accuracy: 0.5,
    macroF1: 0.4,
    metrics: FIXTURE_REF,
    modelDir: '/m',
    bestEpoch: 1,
    resumedFromEpoch: null,
    trainings: 1,
    ...overrides,
  };
}
