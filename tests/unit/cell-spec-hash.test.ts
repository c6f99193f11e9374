import { describe, expect, it } from 'vitest';
import { cellSpecHash, type CellSpec } from '../../src/config/plan';
import { LATER_TRAINER_SETTINGS, trainingSchema } from '../../src/config/schema';
import { hashOf } from '../../src/shared/hash';

const recordedTraining = { model: 'packaged:multilingual-e5-small', lr: 1e-5, heartbeatTimeoutSeconds: 120 };
const cell = { key: 'sib200.cy.gold.s1', seed: 1, training: recordedTraining } as unknown as CellSpec;
const withTraining = (training: Record<string, unknown>) => ({ ...cell, training }) as unknown as CellSpec;

describe('cellSpecHash', () => {
  it('lists each later setting with its schema default', () => {
    const defaults = trainingSchema.parse({ model: 'x' }) as Record<string, unknown>;
    for (const [name, value] of Object.entries(LATER_TRAINER_SETTINGS)) expect(defaults[name], name).toEqual(value);
  });

  it('hashes a cell recorded before the later settings like the same cell with them at their defaults', () => {
    const today = withTraining({ ...recordedTraining, ...LATER_TRAINER_SETTINGS });
    expect(cellSpecHash(today)).toBe(hashOf(cell));
    expect(cellSpecHash(cell)).toBe(hashOf(cell));
  });

  it('tells a cell apart once a later setting differs from its default', () => {
    for (const changedSetting of [{ checkpointEverySteps: 100 }, { gradientAccumulation: 4 }, { maxTrainerFailures: 1 }]) {
      const changed = withTraining({ ...recordedTraining, ...LATER_TRAINER_SETTINGS, ...changedSetting });
      expect(cellSpecHash(changed), JSON.stringify(changedSetting)).not.toBe(hashOf(cell));
    }
  });
});
