/**
 * The pure parts of `npm run chaos` (bench/chaos): the seeded kill schedule and the comparison
 * of a disturbed run with the undisturbed one. The chaos run itself is a command, not a test.
 */
import { describe, expect, it } from 'vitest';
import { chaosLine, compareRuns, type CellOutcome, type RunObservation } from '../../bench/chaos/compare';
import { buildKillSchedule, KILL_TARGETS } from '../../bench/chaos/schedule';

const windows = { llm: [10_000, 60_000], trainer: [70_000, 300_000], worker: [70_000, 300_000], server: [0, 320_000] } as const;

describe('the kill schedule', () => {
  it('is the same for the same seed and differs for another', () => {
    const first = buildKillSchedule({ kills: 20, seed: 1, windows });
    expect(buildKillSchedule({ kills: 20, seed: 1, windows })).toEqual(first);
    expect(buildKillSchedule({ kills: 20, seed: 2, windows })).not.toEqual(first);
  });

  it('covers all four targets with both signals over 20 kills, each kill inside its target window, in time order', () => {
    for (const seed of [1, 2, 3, 42]) {
      const schedule = buildKillSchedule({ kills: 20, seed, windows });
      expect(schedule).toHaveLength(20);
      for (const target of KILL_TARGETS) {
        const ofTarget = schedule.filter((kill) => kill.target === target);
        expect(ofTarget).toHaveLength(5);
        expect(new Set(ofTarget.map((kill) => kill.signal))).toEqual(new Set(['SIGKILL', 'SIGTERM']));
        for (const kill of ofTarget) {
          expect(kill.atMs).toBeGreaterThanOrEqual(windows[target][0]);
          expect(kill.atMs).toBeLessThanOrEqual(windows[target][1]);
        }
      }
      expect(schedule.map((kill) => kill.atMs)).toEqual([...schedule.map((kill) => kill.atMs)].sort((left, right) => left - right));
    }
  });

  it('spreads a target over its window rather than bunching it', () => {
    const trainerTimes = buildKillSchedule({ kills: 20, seed: 5, windows })
      .filter((kill) => kill.target === 'trainer')
      .map((kill) => kill.atMs);
    const slice = (windows.trainer[1] - windows.trainer[0]) / 5;
    trainerTimes.forEach((atMs, index) => expect(Math.floor((atMs - windows.trainer[0]) / slice)).toBe(index));
  });

  it('refuses a negative count and a window that is not a range', () => {
    expect(() => buildKillSchedule({ kills: -1, seed: 1, windows })).toThrow(/non-negative integer/);
    expect(() => buildKillSchedule({ kills: 4, seed: 1, windows: { ...windows, llm: [50, 10] } })).toThrow(/llm window/);
  });
});

const cell = (key: string, macroF1 = 0.5, accuracy = 0.6): CellOutcome => ({ key, macroF1, accuracy });
const observed = (records: CellOutcome[], executions: Record<string, number> = Object.fromEntries(records.map((record) => [record.key, 1]))): RunObservation => ({
  records,
  completedExecutions: new Map(Object.entries(executions)),
});

describe('comparing the disturbed run with the undisturbed one', () => {
  const undisturbed = observed([cell('a'), cell('b'), cell('c'), cell('d')]);

  it('passes two identical runs', () => {
    const comparison = compareRuns(undisturbed, observed([cell('a'), cell('b'), cell('c'), cell('d')]));
    expect(comparison).toMatchObject({ cells: 4, completed: 4, lost: [], duplicated: [], metricsEqual: 4, metricsDiffer: [] });
    expect(chaosLine(20, comparison)).toBe('chaos: kills=20 cells=4 completed=4 lost=0 duplicated=0 metrics_equal=4/4');
  });

  it('reports a missing cell as lost, one recorded twice as duplicated and one whose metric moved as differing', () => {
    const disturbed = observed([cell('a'), cell('c'), cell('c'), cell('d', 0.5, 0.61)], { a: 1, c: 1, d: 1 });
    const comparison = compareRuns(undisturbed, disturbed);
    expect(comparison.lost).toEqual(['b']);
    expect(comparison.duplicated).toEqual(['c']);
    expect(comparison.metricsDiffer).toEqual([{ key: 'd', undisturbed: cell('d'), disturbed: cell('d', 0.5, 0.61) }]);
    expect(chaosLine(17, comparison)).toBe('chaos: kills=17 cells=4 completed=3 lost=1 duplicated=1 metrics_equal=2/4');
  });

  it('counts a cell workflow that completed twice as duplicated, and a record without a completed workflow as lost', () => {
    const comparison = compareRuns(undisturbed, observed([cell('a'), cell('b'), cell('c'), cell('d')], { a: 2, b: 1, c: 1 }));
    expect(comparison.duplicated).toEqual(['a']);
    expect(comparison.lost).toEqual(['d']);
    expect(comparison.completed).toBe(3);
  });
});
