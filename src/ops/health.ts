import type { Clock } from '../clock.js';
import type { Platform } from '../domain/platform.js';

/** The planner runs every 15 minutes: three missed runs make the replica unhealthy. */
export const PLANNER_MAX_AGE_MS = 45 * 60_000;
/** A database that does not answer within this long counts as unreachable (a health check must not hang). */
export const DATABASE_TIMEOUT_MS = 2000;

export interface AdapterState {
  platform: Platform;
  connected: boolean;
}

export interface HealthSources {
  /** Resolves when the database answers a query. */
  pingDatabase: () => Promise<void>;
  adapters: () => readonly AdapterState[];
  /** When planning last ran (null: never); absent when this process runs no scheduler. */
  lastPlannerRun?: () => Promise<Date | null>;
  clock: Clock;
  /** Before the first planning run, a young process is given PLANNER_MAX_AGE_MS to make one. */
  startedAt: Date;
}

export interface Health {
  ok: boolean;
  database: { ok: boolean; error?: string };
  adapters: (AdapterState & { ok: boolean })[];
  planner: { ok: boolean; lastRunAt: string | null; ageSeconds: number | null } | null;
}

/** GET /healthz's answer: the database answers, every adapter is connected, planning is not overdue. */
export async function checkHealth(sources: HealthSources): Promise<Health> {
  const now = sources.clock.now().getTime();
  const [database, lastRun] = await Promise.all([
    withTimeout(sources.pingDatabase(), DATABASE_TIMEOUT_MS).then(
      () => ({ ok: true }),
      (error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    ),
    sources.lastPlannerRun ? sources.lastPlannerRun().catch(() => null) : Promise.resolve(undefined),
  ]);
  const adapters = sources.adapters().map((adapter) => ({ ...adapter, ok: adapter.connected }));
  const planner =
    lastRun === undefined
      ? null
      : {
          lastRunAt: lastRun?.toISOString() ?? null,
          ageSeconds: lastRun ? Math.round((now - lastRun.getTime()) / 1000) : null,
          ok: now - (lastRun?.getTime() ?? sources.startedAt.getTime()) <= PLANNER_MAX_AGE_MS,
        };
  return { ok: database.ok && adapters.every((a) => a.ok) && (planner?.ok ?? true), database, adapters, planner };
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
