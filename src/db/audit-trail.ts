import type { AuditTrail } from '../commands/ports.js';
import type { StoreHandle } from './stores/store.js';

export function createAuditTrail({ kysely }: StoreHandle): AuditTrail {
  return {
    async record(entry) {
      await kysely.insertInto('AuditLog').values({ at: entry.at.getTime(), repId: entry.repId, action: entry.action, target: entry.target, detail: entry.detail }).execute();
    },
  };
}
