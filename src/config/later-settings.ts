/**
 * Training settings added after runs and cells were first keyed, each with the value that trains
 * and schedules exactly as before (its schema default; tests/unit/cell-spec-hash.test.ts checks
 * that). Keys leave a setting out while it holds that value (`withoutUnchangedLaterSettings`), so
 * the cells, spec hashes and training runs recorded before it keep their keys. The one list for
 * both the cell spec hash (src/config/plan.ts) and the training run key (src/activities/fine-tune.ts).
 */
export const LATER_TRAINER_SETTINGS = {
  gradientAccumulation: 1,
  keepEpochCheckpoints: false,
  checkpointEverySteps: null,
  checkpointEveryMinutes: null,
  maxAttemptsWithoutProgress: 5,
  maxTrainerFailures: 3,
} as const;

export function withoutUnchangedLaterSettings<Settings extends Record<string, unknown>>(settings: Settings): Partial<Settings> {
  const kept: Partial<Settings> = { ...settings };
  for (const [field, unchanged] of Object.entries(LATER_TRAINER_SETTINGS)) {
    if ((kept as Record<string, unknown>)[field] === unchanged) delete (kept as Record<string, unknown>)[field];
  }
  return kept;
}
