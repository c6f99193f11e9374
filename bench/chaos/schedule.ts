/**
 * The seeded kill schedule of a chaos run (pure): which process dies, with which signal, when.
 * Kills are dealt to the four targets in turn (a seeded order), so N kills hit each target N/4
 * times (20 kills: 5 each); each target's kills alternate SIGKILL and SIGTERM-with-grace from a
 * seeded start, and are spread over that target's window of the undisturbed run, one per equal
 * slice at a seeded point inside it. The same seed and windows always give the same schedule.
 */
import { SeededRandom } from '../../src/data/seeded-random';
import type { KillSignal } from './processes';

export const KILL_TARGETS = ['worker', 'trainer', 'llm', 'server'] as const;
export type KillTarget = (typeof KILL_TARGETS)[number];

/** Milliseconds since the sweep started: [from, to]. */
export type TimeWindow = readonly [number, number];

export interface ScheduledKill {
  /** Milliseconds after the sweep started (the undisturbed run's clock). */
  atMs: number;
  target: KillTarget;
  signal: KillSignal;
}

export interface ScheduleInput {
  kills: number;
  seed: number;
  /** When each target may be killed, measured on the undisturbed run (a trainer only lives while training). */
  windows: Readonly<Record<KillTarget, TimeWindow>>;
}

export function buildKillSchedule(input: ScheduleInput): ScheduledKill[] {
  if (!Number.isInteger(input.kills) || input.kills < 0) throw new Error(`kills must be a non-negative integer, got ${input.kills}`);
  for (const target of KILL_TARGETS) {
    const [from, to] = input.windows[target];
    if (!(Number.isFinite(from) && Number.isFinite(to) && from >= 0 && to >= from)) throw new Error(`the ${target} window [${from}, ${to}] is not a time range`);
  }
  const random = new SeededRandom(`chaos-schedule:${input.seed}`);
  const order = random.shuffle(KILL_TARGETS);
  const counts = new Map<KillTarget, number>(KILL_TARGETS.map((target) => [target, 0]));
  for (let index = 0; index < input.kills; index++) {
    const target = order[index % order.length] as KillTarget;
    counts.set(target, (counts.get(target) ?? 0) + 1);
  }
  const schedule: ScheduledKill[] = [];
  for (const target of KILL_TARGETS) {
    const count = counts.get(target) ?? 0;
    const [from, to] = input.windows[target];
    const slice = (to - from) / Math.max(count, 1);
    const firstSignal = random.nextInt(2);
    for (let index = 0; index < count; index++) {
      schedule.push({
        atMs: Math.round(from + slice * (index + random.next())),
        target,
        signal: (index + firstSignal) % 2 === 0 ? 'SIGKILL' : 'SIGTERM',
      });
    }
  }
  return schedule.sort((left, right) => left.atMs - right.atMs || KILL_TARGETS.indexOf(left.target) - KILL_TARGETS.indexOf(right.target));
}
