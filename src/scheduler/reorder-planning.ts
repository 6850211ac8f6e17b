import { nextAgendaSlot } from '../domain/schedule/agenda.js';
import { dedupeKey } from '../domain/schedule/dedupe-keys.js';
import { localDateOf, startOfLocalDay } from '../domain/schedule/local-time.js';
import type { PlannedNudge } from './outbox.js';
import type { ReorderCandidate, RepInfo } from './planning-store.js';

/**
 * A reorder reminder (购买周期) is a line on the owner's morning agenda: the nudge is due at the
 * owner's first agenda on or after the reorder day (the first one from now on for a day already
 * past), keyed by customer and cycle so that it is planned once per purchase cycle. One due
 * after the window waits for a later run.
 */
export function reorderNudge(candidate: ReorderCandidate, owner: RepInfo, now: Date, to: Date): PlannedNudge | null {
  const day = startOfLocalDay(localDateOf(new Date(candidate.dueAt), 'UTC'), owner.zone);
  const slot = nextAgendaSlot(owner.zone, owner.agendaHour, new Date(Math.max(day.getTime(), now.getTime())));
  if (slot.dueAt > to) return null;
  return {
    kind: 'reorder',
    dedupeKey: dedupeKey.reorder(candidate.customerId, new Date(candidate.cycle)),
    dueAt: slot.dueAt,
    target: { kind: 'rep', id: owner.id },
    customerId: candidate.customerId,
    payload: { cycle: new Date(candidate.cycle).toISOString().slice(0, 10) },
  };
}
