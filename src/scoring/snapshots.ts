import type { Sqlite } from '../db/database.js';
import type { ChurnReason } from '../domain/analytics/churn.js';
import type { Lifecycle } from '../domain/analytics/lifecycle.js';
import type { LongTailClass } from '../domain/analytics/long-tail.js';
import type { ValueBand } from '../domain/analytics/rfm.js';
import type { Tier } from '../domain/tier.js';

/** One ScoreSnapshot row, typed. */
export interface Snapshot {
  customerId: number;
  week: string;
  computedAt: Date;
  asOf: Date;
  recencyDays: number | null;
  frequency: number;
  monetaryMinor: number;
  marginMinor: number | null;
  lifetimeMinor: number;
  orderCount: number;
  lastOrderAt: Date | null;
  rScore: number | null;
  fScore: number | null;
  mScore: number | null;
  tier: Tier;
  valueBand: ValueBand;
  longTail: LongTailClass;
  lifecycle: Lifecycle;
  pAlive: number | null;
  expected30: number | null;
  expected90: number | null;
  expectedAovMinor: number | null;
  clv12Minor: number | null;
  churnRisk: number | null;
  churnReason: ChurnReason | null;
}

type SnapshotRecord = Omit<Snapshot, 'computedAt' | 'asOf' | 'lastOrderAt' | 'churnReason'> & {
  computedAt: number;
  asOf: number;
  lastOrderAt: number | null;
  churnReason: string;
};

const COLUMNS = `customerId, week, computedAt, asOf, recencyDays, frequency, monetaryMinor, marginMinor, lifetimeMinor, orderCount,
  lastOrderAt, rScore, fScore, mScore, tier, valueBand, longTail, lifecycle, pAlive, expected30, expected90, expectedAovMinor,
  clv12Minor, churnRisk, churnReason`;

function toSnapshot(row: SnapshotRecord): Snapshot {
  let churnReason: ChurnReason | null = null;
  try {
    const parsed = JSON.parse(row.churnReason) as Partial<ChurnReason>;
    churnReason = typeof parsed.code === 'string' ? (parsed as ChurnReason) : null;
  } catch {
    churnReason = null;
  }
  return {
    ...row,
    computedAt: new Date(row.computedAt),
    asOf: new Date(row.asOf),
    lastOrderAt: row.lastOrderAt === null ? null : new Date(row.lastOrderAt),
    churnReason,
  };
}

/** A customer's newest snapshot (the current scores), or null when never scored. */
export function latestSnapshot(sqlite: Sqlite, customerId: number): Snapshot | null {
  const row = sqlite.prepare(`SELECT ${COLUMNS} FROM ScoreSnapshot WHERE customerId = ? ORDER BY week DESC LIMIT 1`).get(customerId) as
    | SnapshotRecord
    | undefined;
  return row ? toSnapshot(row) : null;
}
