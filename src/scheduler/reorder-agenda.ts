import type { ButtonMaker } from '../commands/buttons.js';
import type { ListItem } from '../commands/reply.js';
import type { Sqlite } from '../db/database.js';
import { DAY_MS } from '../domain/calendar.js';
import type { Translate } from '../i18n/index.js';

/** One "due to reorder" line of an agenda. */
export interface ReorderLine {
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

/** "What they usually buy" looks this far back. */
const USUAL_WINDOW_MS = 365 * DAY_MS;

/**
 * The reorder reminders an agenda lists: the rep's `reorder` nudges due since the agenda that
 * went out before this one (so a missed agenda passes them on), for customers the rep still owns
 * who have not bought since the purchase that started the cycle.
 */
export function createReorderReads(sqlite: Sqlite) {
  const due = sqlite.prepare(
    `SELECT c.id, c.externalId, c.name, json_extract(n.payload, '$.cycle') AS cycle,
       json_extract(s.churnReason, '$.typicalIntervalDays') AS intervalDays, s.crossSell, s.crossSellFrom
     FROM Nudge n JOIN Customer c ON c.id = n.customerId
       LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)
     WHERE n.kind = 'reorder' AND n.targetId = @rep AND c.ownerId = @rep AND n.dueAt <= @before AND n.dueAt > COALESCE(
       (SELECT MAX(a.sentAt) FROM Nudge a WHERE a.kind = 'agenda' AND a.targetId = @rep AND a.status = 'sent' AND a.sentAt < @before), -1)
       AND NOT EXISTS (SELECT 1 FROM "Order" o WHERE o.customerId = c.id AND o.amountMinor > 0
         AND o.orderedAt >= unixepoch(json_extract(n.payload, '$.cycle'), '+1 day') * 1000)
     ORDER BY n.dueAt, c.id`,
  );
  const usual = sqlite
    .prepare(
      `SELECT COALESCE(NULLIF(TRIM(product), ''), NULLIF(TRIM(category), '')) AS item FROM "Order"
       WHERE customerId = ? AND orderedAt >= ? AND amountMinor > 0
       GROUP BY item HAVING item IS NOT NULL ORDER BY COUNT(*) DESC, SUM(amountMinor) DESC, item LIMIT 1`,
    )
    .pluck();
  return {
    due(repId: number, before: number): ReorderLine[] {
      const rows = due.all({ rep: repId, before }) as (Omit<ReorderLine, 'usual' | 'daysSince'> & { cycle: string })[];
      return rows.map(({ cycle, ...row }) => ({
        ...row,
        usual: (usual.get(row.id, before - USUAL_WINDOW_MS) as string | undefined) ?? null,
        daysSince: Math.max(0, Math.floor((before - Date.parse(cycle)) / DAY_MS)),
      }));
    },
  };
}

/** The agenda line: what they usually buy and how often, and the cross-sell suggestion when there is one. */
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
