import { describe, expect, it } from 'vitest';
import { trainingSchema } from '../../src/config/schema';
import { cellSpecHash, hashOf, TRAINING_SETTINGS_ADDED_LATER } from '../../src/shared/hash';

const recordedTraining = { model: 'packaged:multilingual-e5-small', lr: 1e-5, heartbeatTimeoutSeconds: 120 };
const cell = { key: 'sib200.cy.gold.s1', seed: 1, training: recordedTraining };

describe('cellSpecHash', () => {
  it('lists each later setting with its schema default', () => {
    const defaults = trainingSchema.parse({ model: 'x' }) as Record<string, unknown>;
    for (const [name, value] of Object.entries(TRAINING_SETTINGS_ADDED_LATER)) expect(defaults[name], name).toEqual(value);
  });

  it('hashes a cell recorded before the later settings like the same cell with them at their defaults', () => {
    const today = { ...cell, training: { ...recordedTraining, ...TRAINING_SETTINGS_ADDED_LATER } };
    expect(cellSpecHash(today)).toBe(hashOf(cell));
    expect(cellSpecHash(cell)).toBe(hashOf(cell));
  });

  it('tells a cell apart once a later setting differs from its default', () => {
    const changed = { ...cell, training: { ...recordedTraining, ...TRAINING_SETTINGS_ADDED_LATER, checkpointEverySteps: 100 } };
    expect(cellSpecHash(changed)).not.toBe(hashOf(cell));
  });
});
