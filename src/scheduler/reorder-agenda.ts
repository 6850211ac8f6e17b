import type { ButtonMaker } from '../commands/buttons.js';
import type { ListItem } from '../commands/reply.js';
import type { Sqlite } from '../db/database.js';
import { DAY_MS } from '../domain/calendar.js';
import type { Translate } from '../i18n/index.js';

/** One "due to reorder" reminder: a `reorder` nudge with what the agenda line says. */
export interface ReorderLine {
  nudgeId: number;
  id: number;
  externalId: string;
  name: string;
  /** What they buy most often (product, else category) over the last year; null when orders name neither. */
  usual: string | null;
  /** Their typical interval in days, and the days since the purchase that started this cycle. */
  intervalDays: number | null;
  daysSince: number;
  crossSell: string | null;
  crossSellFrom: string | null;
}

/** Why a reminder is no longer worth sending, or null when it still is. */
export type ReorderStale = 'bought since' | 'owner changed' | null;

/** "What they usually buy" looks this far back. */
const USUAL_WINDOW_MS = 365 * DAY_MS;

const COLUMNS = `n.id AS nudgeId, c.id, c.externalId, c.name, c.ownerId, n.targetId, json_extract(n.payload, '$.cycle') AS cycle,
  json_extract(s.churnReason, '$.typicalIntervalDays') AS intervalDays, s.crossSell, s.crossSellFrom,
  EXISTS (SELECT 1 FROM "Order" o WHERE o.customerId = c.id AND o.amountMinor > 0
    AND o.orderedAt >= unixepoch(json_extract(n.payload, '$.cycle'), '+1 day') * 1000) AS boughtSince`;
const FROM = `FROM Nudge n JOIN Customer c ON c.id = n.customerId
  LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)`;

type Row = Omit<ReorderLine, 'usual' | 'daysSince'> & { cycle: string; ownerId: number | null; targetId: number; boughtSince: number };

/**
 * The reorder reminders (购买周期). A `reorder` nudge goes out inside its owner's morning agenda
 * (outbox CARRIED_KINDS): the agenda lists the rep's pending reminders that are due and still
 * hold (the rep still owns the customer, who has not bought since the purchase that started the
 * cycle) and marks them sent with it; one no agenda carried is drawn on its own.
 */
export function createReorderReads(sqlite: Sqlite) {
  const pending = sqlite.prepare(
    `SELECT ${COLUMNS} ${FROM} WHERE n.kind = 'reorder' AND n.targetId = @rep AND n.status = 'pending' AND n.dueAt <= @now ORDER BY n.dueAt, c.name, c.id`,
  );
  const carried = sqlite.prepare(`SELECT ${COLUMNS} ${FROM} WHERE n.kind = 'reorder' AND n.carriedBy = @agenda ORDER BY n.dueAt, c.name, c.id`);
  const one = sqlite.prepare(`SELECT ${COLUMNS} ${FROM} WHERE n.id = ?`);
  const usual = sqlite
    .prepare(
      `SELECT COALESCE(NULLIF(TRIM(product), ''), NULLIF(TRIM(category), '')) AS item FROM "Order"
       WHERE customerId = ? AND orderedAt >= ? AND amountMinor > 0
       GROUP BY item HAVING item IS NOT NULL ORDER BY COUNT(*) DESC, SUM(amountMinor) DESC, item LIMIT 1`,
    )
    .pluck();
  const staleness = (row: Row): ReorderStale => (row.ownerId !== row.targetId ? 'owner changed' : row.boughtSince ? 'bought since' : null);
  const line = (row: Row, now: number): ReorderLine => ({
    nudgeId: row.nudgeId,
    id: row.id,
    externalId: row.externalId,
    name: row.name,
    usual: (usual.get(row.id, now - USUAL_WINDOW_MS) as string | undefined) ?? null,
    intervalDays: row.intervalDays,
    daysSince: Math.max(0, Math.floor((now - Date.parse(row.cycle)) / DAY_MS)),
    crossSell: row.crossSell,
    crossSellFrom: row.crossSellFrom,
  });
  return {
    /** The reminders an agenda being sent now carries: due, pending and still holding. */
    due(repId: number, now: number): ReorderLine[] {
      return (pending.all({ rep: repId, now }) as Row[]).filter((row) => staleness(row) === null).map((row) => line(row, now));
    },
    /** The reminders an agenda carried when it went out (`sentAt`), for drawing it again after a button press. */
    carriedBy(agendaId: number, sentAt: number): ReorderLine[] {
      return (carried.all({ agenda: agendaId }) as Row[]).map((row) => line(row, sentAt));
    },
    /** One reminder drawn on its own, or why it is no longer worth sending. */
    alone(nudgeId: number, now: number): { line: ReorderLine; stale: ReorderStale } | null {
      const row = one.get(nudgeId) as Row | undefined;
      return row ? { line: line(row, now), stale: staleness(row) } : null;
    },
  };
}

/** The reminder's line: what they usually buy and how often, and the cross-sell suggestion when there is one. */
export function reorderItem(line: ReorderLine, reader: { t: Translate; button: ButtonMaker }): ListItem {
  const { t } = reader;
  const parts = [
    line.usual
      ? t('scheduler.reorder.usual', { item: line.usual, days: line.intervalDays ?? '?', count: line.daysSince })
      : t('scheduler.reorder.rhythm', { days: line.intervalDays ?? '?', count: line.daysSince }),
  ];
  if (line.crossSell && line.crossSellFrom) parts.push(t('scheduler.crossSell', { from: line.crossSellFrom, category: line.crossSell }));
  return {
    primary: line.name,
    secondary: parts.join(' · '),
    actions: [reader.button(t('scheduler.actions.lookup'), { command: 'customer lookup', options: { who: line.id } }, { display: { who: line.externalId } })],
  };
}
