import type { AuditTrail } from '../commands/ports.js';
import type { Sqlite } from './database.js';

export function createAuditTrail(sqlite: Sqlite): AuditTrail {
  const insert = sqlite.prepare('INSERT INTO AuditLog (at, repId, action, target, detail) VALUES (?, ?, ?, ?, ?)');
  return {
    async record(entry) {
      insert.run(entry.at.getTime(), entry.repId, entry.action, entry.target, entry.detail);
    },
  };
}
