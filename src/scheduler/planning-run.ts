import type { StoreDatabase } from '../db/store-database.js';
import { createPlanningStore, createPlanWrites, readLastPlannedAt } from '../db/stores/planning-store.js';
import type { WriteSlicing } from '../db/write-slices.js';
import { DAY_MS } from '../domain/calendar.js';
import { applyPlan, collectPlan, type AppliedPlan, type Plan, type PlanningScope, type PlanningWindow } from './planner.js';

export { readLastPlannedAt } from '../db/stores/planning-store.js';

/** How far ahead nudges are written: far enough that the 15-minute planner never falls behind. */
export const PLANNING_HORIZON_MS = 2 * DAY_MS;
/** After downtime, birthdays, agendas and callbacks of at most the last 3 days are caught up. */
export const CATCH_UP_MS = 3 * DAY_MS;
/** …and the last digest of the past week. */
export const DIGEST_CATCH_UP_MS = 7 * DAY_MS;

/**
 * The window of a live planning run: from the previous run (so nothing that fell due while
 * the bot was down is skipped, back to the catch-up limit) to the horizon. The first run ever
 * starts now: a new install does not greet last week's birthdays.
 */
export function planningWindow(lastPlannedAt: Date | null, now: Date): PlanningWindow {
  const since = Math.min(lastPlannedAt?.getTime() ?? now.getTime(), now.getTime());
  return {
    from: new Date(Math.max(since, now.getTime() - CATCH_UP_MS)),
    to: new Date(now.getTime() + PLANNING_HORIZON_MS),
    digestFrom: new Date(Math.max(since, now.getTime() - DIGEST_CATCH_UP_MS)),
    callbacksFrom: new Date(now.getTime() - CATCH_UP_MS),
  };
}

export interface PlanningResult extends AppliedPlan {
  window: PlanningWindow;
  failures: Plan['failures'];
  settingsProblems: Plan['settingsProblems'];
}

/**
 * One live planning run: collect, apply, and (for a full run) remember when. Safe to run twice
 * for the same `now`. The every-minute callback run leaves the remembered time alone.
 */
export async function runPlanning(db: StoreDatabase, now: Date, scope: PlanningScope = 'all', slicing?: WriteSlicing): Promise<PlanningResult> {
  const window = planningWindow(await readLastPlannedAt(db), now);
  const plan = await collectPlan(createPlanningStore(db), window, now, { scope });
  const applied = await applyPlan(db, plan, now, slicing);
  if (scope === 'all') await createPlanWrites(db).rememberPlannedAt(now);
  return { ...applied, window, failures: plan.failures, settingsProblems: plan.settingsProblems };
}
