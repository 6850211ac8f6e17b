import { latestSnapshotRow } from '../db/stores/score-store.js';
import type { StoreHandle } from '../db/stores/store.js';
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
  lowMargin: boolean;
  lifecycle: Lifecycle;
  pAlive: number | null;
  expected30: number | null;
  expected90: number | null;
  expectedAovMinor: number | null;
  clv12Minor: number | null;
  churnRisk: number | null;
  churnReason: ChurnReason | null;
  /** Value × churn risk (minor units). */
  atStakeMinor: number;
  /** This purchase cycle's reorder day, null when none. */
  reorderDueAt: Date | null;
  /** The category to offer, the customer's category it comes from and the rule's lift; null when none. */
  crossSell: { category: string; from: string; lift: number } | null;
}

/** A ScoreSnapshot row as stored; `lowMargin` 0/1 from a prepared statement, a boolean through Kysely. */
export type SnapshotRecord = Omit<Snapshot, 'computedAt' | 'asOf' | 'lastOrderAt' | 'churnReason' | 'lowMargin' | 'reorderDueAt' | 'crossSell'> & {
  computedAt: number;
  asOf: number;
  lastOrderAt: number | null;
  churnReason: string;
  lowMargin: number | boolean;
  reorderDueAt: number | null;
  crossSellCategory: string | null;
  crossSellFrom: string | null;
  crossSellLift: number | null;
};

export function toSnapshot(row: SnapshotRecord): Snapshot {
  let churnReason: ChurnReason | null = null;
  try {
    const parsed = JSON.parse(row.churnReason) as Partial<ChurnReason>;
    churnReason = typeof parsed.code === 'string' ? (parsed as ChurnReason) : null;
  } catch {
    churnReason = null;
  }
  const { crossSellCategory, crossSellFrom, crossSellLift, ...rest } = row;
  return {
    ...rest,
    computedAt: new Date(row.computedAt),
    asOf: new Date(row.asOf),
    lastOrderAt: row.lastOrderAt === null ? null : new Date(row.lastOrderAt),
    churnReason,
    lowMargin: row.lowMargin === 1 || row.lowMargin === true,
    reorderDueAt: row.reorderDueAt === null ? null : new Date(row.reorderDueAt),
    crossSell: crossSellCategory !== null && crossSellFrom !== null ? { category: crossSellCategory, from: crossSellFrom, lift: crossSellLift ?? 0 } : null,
  };
}

/** A customer's newest snapshot (the current scores), or null when never scored. */
export async function latestSnapshot(db: StoreHandle, customerId: number): Promise<Snapshot | null> {
  const row = await latestSnapshotRow(db, customerId);
  return row ? toSnapshot(row as SnapshotRecord) : null;
}
