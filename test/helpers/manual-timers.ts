import type { Every } from '../../src/scheduler/leases.js';

/** Timers a test ticks by hand (a lease's renewals): `tick()` runs every registered callback once. */
export function manualTimers(): { every: Every; tick: () => void; count: () => number } {
  const ticks = new Set<() => void>();
  return {
    every: (_ms, tick) => {
      ticks.add(tick);
      return () => ticks.delete(tick);
    },
    tick: () => ticks.forEach((tick) => tick()),
    count: () => ticks.size,
  };
}
