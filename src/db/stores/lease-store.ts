import type { StoreHandle } from './store.js';

/**
 * Roles one process holds at a time across replicas (the Discord gateway, …), in the `Lease`
 * table. A holder renews well within its lease; once `leaseUntil` passes, anyone may take it,
 * so a holder that died is replaced within one lease. Replicas compare their own clocks with the
 * stored times: keep them in sync (NTP), as docs/DEPLOY.md says.
 */
export interface LeaseStore {
  /**
   * Takes the lease `name` for `holder` until now + ttlMs, or renews it when `holder` has it:
   * true when `holder` holds it now. One process wins when several try at once.
   */
  acquire(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (a stopping holder), so another process need not wait for it to expire. */
  release(name: string, holder: string): Promise<void>;
  /** Who holds `name` at `now`, or null. */
  holder(name: string, now: Date): Promise<string | null>;
}

export function createLeaseStore({ kysely }: StoreHandle): LeaseStore {
  return {
    async acquire(name, holder, now, ttlMs) {
      const at = now.getTime();
      const result = await kysely
        .insertInto('Lease')
        .values({ name, holder, acquiredAt: at, leaseUntil: at + ttlMs })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet((eb) => ({
              holder: eb.ref('excluded.holder'),
              // A renewal keeps when the holder first took it.
              acquiredAt: eb.case().when('Lease.holder', '=', holder).then(eb.ref('Lease.acquiredAt')).else(eb.ref('excluded.acquiredAt')).end(),
              leaseUntil: eb.ref('excluded.leaseUntil'),
            }))
            .where((eb) => eb.or([eb('Lease.holder', '=', holder), eb('Lease.leaseUntil', '<=', at)])),
        )
        .executeTakeFirst();
      return result.numInsertedOrUpdatedRows === 1n;
    },
    async release(name, holder) {
      await kysely.deleteFrom('Lease').where('name', '=', name).where('holder', '=', holder).execute();
    },
    async holder(name, now) {
      const row = await kysely.selectFrom('Lease').select('holder').where('name', '=', name).where('leaseUntil', '>', now.getTime()).executeTakeFirst();
      return row?.holder ?? null;
    },
  };
}
