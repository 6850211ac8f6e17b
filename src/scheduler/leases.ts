import type { Clock } from '../clock.js';
import type { JobRunStore } from '../db/stores/job-run-store.js';
import type { LeaseStore } from '../db/stores/lease-store.js';
import type { JobRunClaim } from './job-runs.js';

/** A holder that died is replaced within this long: its lease runs out and another replica takes over. */
export const LEASE_TTL_MS = 60_000;
/** Renewed three times per lease, so two missed renewals (a long GC pause, a slow database) do not lose it. */
export const LEASE_RENEW_MS = LEASE_TTL_MS / 3;

/** Calls `tick` every `ms` until the returned function is called; the bot uses unref'd intervals. */
export type Every = (ms: number, tick: () => void) => () => void;

export const realTimers: Every = (ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

export interface KeptLease {
  /** Whether this process held the lease at its last renewal. */
  readonly held: boolean;
  /** Tries to take or renew the lease now (the timer calls it every LEASE_RENEW_MS); resolves with `held`. */
  renewNow(): Promise<boolean>;
  /** Stops renewing and gives the lease up if held, so the next holder need not wait for it to expire. */
  stop(): Promise<void>;
}

export interface KeepLeaseOptions {
  name: string;
  holder: string;
  clock: Clock;
  /** Told when this process gains or loses the lease (start or stop the gateway connection). */
  onChange?: (held: boolean) => void;
  /** A renewal that failed (the database was unreachable): the lease counts as lost until one succeeds. */
  onError?: (error: unknown) => void;
  ttlMs?: number;
  every?: Every;
}

/**
 * Holds the lease `name` whenever it is free, renewing it while held: one replica at a time
 * holds the Discord gateway, and the others take it over within LEASE_TTL_MS of its death.
 */
export function keepLease(store: LeaseStore, options: KeepLeaseOptions): KeptLease {
  const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
  let held = false;
  let stopped = false;
  let renewing: Promise<boolean> | null = null;
  const set = (now: boolean) => {
    if (now !== held) {
      held = now;
      options.onChange?.(now);
    }
  };
  const renewNow = (): Promise<boolean> => {
    renewing ??= store
      .acquire(options.name, options.holder, options.clock.now(), ttlMs)
      .catch((error: unknown) => {
        options.onError?.(error);
        return false;
      })
      .then((acquired) => {
        renewing = null;
        if (!stopped) set(acquired);
        return held;
      });
    return renewing;
  };
  const cancel = (options.every ?? realTimers)(ttlMs / 3, () => void renewNow());
  void renewNow();
  return {
    get held() {
      return held;
    },
    renewNow,
    async stop() {
      stopped = true;
      cancel();
      await renewing;
      if (held) {
        set(false);
        await store.release(options.name, options.holder);
      }
    },
  };
}

export type JobRunOutcome<T> = { status: 'done'; result: T } | { status: 'taken' };

/**
 * Runs `work` once per (job, runKey) across replicas: claims the run with a short lease, renews
 * it while `work` runs, and records done or failed (a failure is rethrown). A replica that dies
 * mid-run stops renewing, so another takes the run over within the lease (LEASE_TTL_MS), not
 * after the longest run could last. For planning, digests and nightly scoring.
 */
export async function runOnce<T>(
  store: JobRunStore,
  claim: Omit<JobRunClaim, 'leaseMs'> & { leaseMs?: number },
  clock: Clock,
  work: () => Promise<T>,
  every: Every = realTimers,
): Promise<JobRunOutcome<T>> {
  const leaseMs = claim.leaseMs ?? LEASE_TTL_MS;
  if (!(await store.claim({ ...claim, leaseMs }))) return { status: 'taken' };
  const stopRenewing = every(leaseMs / 3, () => {
    void store.renew(claim.job, claim.runKey, claim.owner, clock.now(), leaseMs).catch(() => {});
  });
  try {
    const result = await work();
    stopRenewing();
    await store.finish(claim.job, claim.runKey, claim.owner, clock.now());
    return { status: 'done', result };
  } catch (error) {
    stopRenewing();
    await store.finish(claim.job, claim.runKey, claim.owner, clock.now(), error instanceof Error ? error.message : String(error));
    throw error;
  }
}
