import { z } from 'zod';
import type { Block, ListItem, Reply } from '../commands/reply.js';
import type { GreetingRow, RenderStore } from '../db/stores/render-store.js';
import { isBuiltInHoliday } from '../domain/schedule/holidays.js';
import { addDays, isoDate, localDateOf, parseIsoDate, startOfLocalDay, weekdayOf, type LocalDate } from '../domain/schedule/local-time.js';
import { WINBACK_REASONS } from '../domain/schedule/winback.js';
import { isTier } from '../domain/tier.js';
import { formatDate, formatDateTime, formatMoney, type Translate } from '../i18n/index.js';
import type { Reader } from './nudge-reader.js';
import type { NudgeRow } from './outbox.js';

const LIST_LIMIT = 10;
const ticketPayload = z.object({ ticketId: z.number().int() });
const ratingPayload = z.object({ interactionId: z.number().int(), rating: z.number().int() });
const holidayPayload = z.object({ date: z.string(), holiday: z.string(), name: z.string().nullable() });
const reminderPayload = z.object({ outcome: z.literal('reminder'), episode: z.number().int(), deadline: z.string() });
const lostPayload = z.object({ outcome: z.literal('lost'), episode: z.number().int() });

/** A holiday's name in the reader's language (a team's own holiday keeps its own name). */
export function holidayName(t: Translate, holiday: { holiday: string; name: string | null }): string {
  return isBuiltInHoliday(holiday.holiday) ? t(`scheduler.holiday.names.${holiday.holiday}`) : (holiday.name ?? holiday.holiday);
}

const who = (c: { id: number; externalId: string }) => ({ options: { who: c.id }, display: { who: c.externalId } });
/** The reads and drawings of the care nudges (complaints, escalations, holidays, win-back reminders and losses) and the agenda's care sections. */
export function createCareRenderer(store: RenderStore, currency: string) {
  type Content = Reply | string | null;

  /** The message of a care nudge; a string says why it is skipped; null: not a care nudge. */
  async function content(row: NudgeRow, r: Reader, now: Date): Promise<Content> {
    const { t, locale, zone } = r;
    const payload: unknown = JSON.parse(row.payload);
    switch (row.kind) {
      case 'complaint':
      case 'escalation': {
        const low = ratingPayload.safeParse(payload);
        if (low.success) {
          const found = await store.rating(low.data.interactionId);
          if (!found) return 'the rating no longer exists';
          return {
            visibility: 'private',
            blocks: [
              { type: 'text', tone: 'error', text: t('scheduler.care.lowRating', { customer: found.name, rating: low.data.rating, owner: found.ownerName ?? '—' }) },
              ...(found.text ? [{ type: 'text' as const, text: found.text }] : []),
              { type: 'actions', actions: [r.button(t('scheduler.actions.lookup'), { command: 'customer lookup', options: who(found).options }, { display: who(found).display })] },
            ],
          };
        }
        const k = await store.ticket(ticketPayload.parse(payload).ticketId);
        if (!k) return 'the complaint no longer exists';
        if (k.status !== 'open') return 'the complaint was resolved';
        const deadline = formatDateTime(new Date(k.deadline), locale, zone);
        const title =
          row.kind === 'complaint'
            ? t('scheduler.care.complaintTitle', { id: k.id, customer: k.name, deadline })
            : t('scheduler.care.escalationTitle', { id: k.id, customer: k.name, owner: k.ownerName ?? '—', deadline });
        return {
          visibility: 'private',
          blocks: [
            { type: 'text', tone: row.kind === 'escalation' ? 'error' : 'plain', text: title },
            { type: 'text', text: k.text },
            {
              type: 'actions',
              actions: [
                r.button(t('scheduler.actions.resolve'), { command: 'complaint resolve', options: { id: k.id } }, { style: 'primary' }),
                r.button(t('scheduler.actions.lookup'), { command: 'customer lookup', options: { who: k.customerId } }, { display: { who: k.externalId } }),
              ],
            },
          ],
        };
      }
      case 'holiday': {
        // Claimed on its own: no agenda carried it (it went out before this was planned).
        const h = holidayPayload.parse(payload);
        const day = parseIsoDate(h.date);
        if (!day || isoDate(localDateOf(now, zone)) >= h.date) return 'the holiday has begun';
        const c = row.customerId === null ? undefined : await store.customer(row.customerId);
        if (!c) return 'the customer no longer exists';
        if (c.greetingOptOut) return 'the customer opted out of greetings';
        const blocks = holidayBlocks([{ id: row.id, payload: row.payload, customerId: c.id, externalId: c.externalId, name: c.name, tier: null }], r);
        return { visibility: 'private', blocks };
      }
      case 'holiday-list': {
        const h = holidayPayload.parse(payload);
        if (isoDate(localDateOf(now, zone)) >= h.date) return 'the holiday has begun';
        const counts = await store.teamGreetings(row.targetId);
        if (counts.total === 0) return 'nobody to greet';
        const day = parseIsoDate(h.date)!;
        return {
          visibility: 'channel',
          blocks: [{ type: 'text', text: t('scheduler.holiday.teamCount', { holiday: holidayName(t, h), date: formatDate(startOfLocalDay(day, zone), locale, zone), count: counts.total, top: counts.top }) }],
        };
      }
      case 'winback': {
        const reminder = reminderPayload.safeParse(payload);
        const lost = lostPayload.safeParse(payload);
        if (!reminder.success && !lost.success) return null;
        const c = row.customerId === null ? undefined : await store.customer(row.customerId);
        if (!c) return 'the customer no longer exists';
        if (reminder.success) {
          const p = await store.winbackPlan(c.id, reminder.data.episode);
          if (!p || p.status !== 'open') return 'the plan is closed';
          if (p.deadline !== Date.parse(reminder.data.deadline)) return 'the plan was extended; its new deadline has its own reminder';
          return {
            visibility: 'private',
            blocks: [
              { type: 'text', text: t('scheduler.winback.reminder', { customer: c.name, date: formatDate(new Date(p.deadline), locale, zone) }) },
              {
                type: 'actions',
                actions: [
                  r.button(t('scheduler.actions.schedule'), { command: 'callback', options: who(c).options }, { style: 'primary', display: who(c).display }),
                  r.button(t('scheduler.actions.extend'), { command: 'winback extend', options: who(c).options }, { display: who(c).display }),
                  r.button(t('scheduler.actions.giveUp'), { command: 'winback giveup', options: who(c).options }, { display: who(c).display }),
                ],
              },
            ],
          };
        }
        // A plan that ran out: one button per reason.
        return {
          visibility: 'private',
          blocks: [
            { type: 'text', text: t('scheduler.winback.lost', { customer: c.name }) },
            {
              type: 'actions',
              actions: WINBACK_REASONS.map((reason) =>
                r.button(t(`winback.reasons.${reason}`), { command: 'winback reason', options: { ...who(c).options, reason } }, { display: who(c).display }),
              ),
            },
          ],
        };
      }
      default:
        return null;
    }
  }

  /** One list per holiday: whom to greet (A and B first), with a suggested greeting and "Log greeting". */
  function holidayBlocks(rows: readonly GreetingRow[], r: Reader): Block[] {
    const { t, locale, zone } = r;
    const byHoliday = new Map<string, { h: z.infer<typeof holidayPayload>; rows: GreetingRow[] }>();
    for (const row of rows) {
      const h = holidayPayload.parse(JSON.parse(row.payload));
      const key = `${h.date}|${h.holiday}`;
      byHoliday.set(key, { h, rows: [...(byHoliday.get(key)?.rows ?? []), row] });
    }
    return [...byHoliday.values()].map(({ h, rows: group }) => {
      const name = holidayName(t, h);
      const greeting = (customerName: string) =>
        isBuiltInHoliday(h.holiday) ? t(`scheduler.holiday.greetings.${h.holiday}`, { name: customerName }) : t('scheduler.holiday.greeting', { name: customerName, holiday: name });
      return {
        type: 'list',
        title: `${t('scheduler.holiday.title', { holiday: name, date: formatDate(startOfLocalDay(parseIsoDate(h.date)!, zone), locale, zone) })} (${group.length})`,
        numbered: false,
        items: group.slice(0, LIST_LIMIT).map((g): ListItem => ({
          primary: isTier(g.tier) ? `${g.name} · ${g.tier}` : g.name,
          secondary: greeting(g.name),
          actions: [r.button(t('scheduler.actions.logGreeting'), { command: 'customer greeted', options: { who: g.customerId, occasion: h.holiday } }, { display: { who: g.externalId } })],
        })),
        ...(group.length > LIST_LIMIT ? { footer: t('scheduler.more', { count: group.length - LIST_LIMIT }) } : {}),
      } satisfies Block;
    });
  }

  /**
   * The agenda's care sections: holiday greetings (carried: sent with the agenda), customers who
   * rated 5 since the last agenda (ask for a referral), and on Mondays the light-touch list.
   */
  async function agendaSections(row: NudgeRow, date: LocalDate, r: Reader, now: Date, since: number): Promise<{ blocks: Block[]; carries: number[] }> {
    const { t, locale } = r;
    const holidays = await (row.sentAt === null ? store.greetingsPending(row.targetId, now.getTime()) : store.greetingsCarriedBy(row.targetId, row.id));
    const coming = holidays.filter((g) => holidayPayload.parse(JSON.parse(g.payload)).date > isoDate(date));
    const blocks = holidayBlocks(coming, r);
    const referrals = await store.topRatings(row.targetId, since, Math.min(now.getTime(), startOfLocalDay(addDays(date, 1), r.zone).getTime()));
    if (referrals.length > 0) {
      blocks.push({
        type: 'list',
        title: `${t('scheduler.care.referralTitle')} (${referrals.length})`,
        numbered: false,
        items: referrals.slice(0, LIST_LIMIT).map((c) => ({
          primary: c.name,
          secondary: t('scheduler.care.referralHint'),
          // The form asks for the new customer; this one is the referrer.
          actions: [r.button(t('scheduler.actions.recordReferral'), { command: 'customer referred', options: { by: c.id } }, { display: { by: c.externalId } })],
        })),
      });
    }
    if (weekdayOf(date) === 1) {
      const light = await store.lightTouch(row.targetId);
      if (light.length > 0) {
        blocks.push({
          type: 'list',
          title: `${t('scheduler.care.lightTitle')} (${light.length})`,
          numbered: false,
          items: light.slice(0, LIST_LIMIT).map((c) => ({ primary: c.name, secondary: t('scheduler.care.atStake', { stake: formatMoney(c.atStakeMinor, locale, currency) }) })),
          footer: t('scheduler.care.lightFooter'),
        });
      }
    }
    return { blocks, carries: row.sentAt === null ? coming.map((g) => g.id) : [] };
  }

  return { content, agendaSections };
}
