import type { ButtonMaker } from '../commands/buttons.js';
import type { ListItem } from '../commands/reply.js';
import type { RenderStore, ReorderRow } from '../db/stores/render-store.js';
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

/** A JSON field of a stored JSON text, null when the text is not JSON or has no such field. */
function jsonField(text: string | null, field: string): unknown {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? ((value as Record<string, unknown>)[field] ?? null) : null;
  } catch {
    return null;
  }
}

/**
 * The reorder reminders (购买周期). A `reorder` nudge goes out inside its owner's morning agenda
 * (outbox CARRIED_KINDS): the agenda lists the rep's pending reminders that are due and still
 * hold (the rep still owns the customer, who has not bought since the purchase that started the
 * cycle) and marks them sent with it; one no agenda carried is drawn on its own.
 */
export function createReorderReads(store: RenderStore) {
  const cycleOf = (row: ReorderRow) => {
    const cycle = jsonField(row.payload, 'cycle');
    return typeof cycle === 'string' ? cycle : '';
  };
  // Bought since: a purchase from the day after the cycle's purchase day (UTC) on.
  const staleness = (row: ReorderRow): ReorderStale =>
    row.ownerId !== row.targetId ? 'owner changed' : row.lastBoughtAt !== null && row.lastBoughtAt >= Date.parse(cycleOf(row)) + DAY_MS ? 'bought since' : null;
  const line = async (row: ReorderRow, now: number): Promise<ReorderLine> => {
    const intervalDays = jsonField(row.churnReason, 'typicalIntervalDays');
    return {
      nudgeId: row.nudgeId,
      id: row.id,
      externalId: row.externalId,
      name: row.name,
      usual: await store.usualItem(row.id, now - USUAL_WINDOW_MS),
      intervalDays: typeof intervalDays === 'number' ? intervalDays : null,
      daysSince: Math.max(0, Math.floor((now - Date.parse(cycleOf(row))) / DAY_MS)),
      crossSell: row.crossSell,
      crossSellFrom: row.crossSellFrom,
    };
  };
  return {
    /** The reminders an agenda being sent now carries: due, pending and still holding. */
    async due(repId: number, now: number): Promise<ReorderLine[]> {
      const rows = await store.reordersDue(repId, now);
      return Promise.all(rows.filter((row) => staleness(row) === null).map((row) => line(row, now)));
    },
    /** The reminders an agenda carried when it went out (`sentAt`), for drawing it again after a button press. */
    async carriedBy(agendaId: number, sentAt: number): Promise<ReorderLine[]> {
      return Promise.all((await store.reordersCarriedBy(agendaId)).map((row) => line(row, sentAt)));
    },
    /** One reminder drawn on its own, or why it is no longer worth sending. */
    async alone(nudgeId: number, now: number): Promise<{ line: ReorderLine; stale: ReorderStale } | null> {
      const row = await store.reorder(nudgeId);
      return row ? { line: await line(row, now), stale: staleness(row) } : null;
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
