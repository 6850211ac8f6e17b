import { z } from 'zod';
import type { Block, ListItem, Reply } from '../commands/reply.js';
import type { Sqlite } from '../db/database.js';
import { AT_STAKE_SQL } from '../db/care-book.js';
import { REFERRAL_RATING } from '../domain/schedule/care.js';
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
const TIER_RANK = "CASE s.tier WHEN 'A' THEN 0 WHEN 'B' THEN 1 ELSE 2 END";

/** The reads and drawings of the care nudges (complaints, escalations, holidays, win-back reminders and losses) and the agenda's care sections. */
export function createCareRenderer(sqlite: Sqlite, currency: string) {
  const ticket = sqlite.prepare(
    `SELECT k.id, k.status, k.text, k.deadline, k.openedAt, c.id AS customerId, c.externalId, c.name, r.name AS ownerName
     FROM Ticket k JOIN Customer c ON c.id = k.customerId LEFT JOIN Rep r ON r.id = k.ownerId WHERE k.id = ?`,
  );
  const rating = sqlite.prepare(
    `SELECT i.text, c.id, c.externalId, c.name, r.name AS ownerName FROM Interaction i JOIN Customer c ON c.id = i.customerId
     LEFT JOIN Rep r ON r.id = c.ownerId WHERE i.id = ?`,
  );
  const customer = sqlite.prepare('SELECT id, externalId, name, greetingOptOut FROM Customer WHERE id = ?');
  const plan = sqlite.prepare('SELECT status, deadline FROM WinbackEpisode WHERE customerId = ? AND episode = ?');
  const teamGreetings = sqlite.prepare(
    `SELECT COUNT(*) AS total, COALESCE(SUM(s.tier IN ('A', 'B')), 0) AS top
     FROM Customer c JOIN Rep r ON r.id = c.ownerId
       LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)
     WHERE r.teamId = ? AND r.active = 1 AND c.greetingOptOut = 0`,
  );
  const greetings = {
    // Not yet carried (the agenda being sent), or carried by this agenda (drawn again after a button press).
    pending: sqlite.prepare(
      `SELECT n.id, n.payload, c.id AS customerId, c.externalId, c.name, s.tier FROM Nudge n JOIN Customer c ON c.id = n.customerId
         LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)
       WHERE n.kind = 'holiday' AND n.targetId = @rep AND n.dueAt <= @now AND n.status = 'pending' AND c.greetingOptOut = 0
       ORDER BY ${TIER_RANK}, c.name, c.id`,
    ),
    carried: sqlite.prepare(
      `SELECT n.id, n.payload, c.id AS customerId, c.externalId, c.name, s.tier FROM Nudge n JOIN Customer c ON c.id = n.customerId
         LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)
       WHERE n.kind = 'holiday' AND n.targetId = @rep AND n.carriedBy = @agenda
       ORDER BY ${TIER_RANK}, c.name, c.id`,
    ),
  };
  // 推荐: customers of the rep who rated 5 since the previous agenda.
  const topRatings = sqlite.prepare(
    `SELECT DISTINCT c.id, c.externalId, c.name FROM Interaction i JOIN Customer c ON c.id = i.customerId
     WHERE c.ownerId = ? AND i.satisfaction >= ${REFERRAL_RATING} AND i.at > ? AND i.at <= ? ORDER BY c.name, c.id`,
  );
  const lightTouch = sqlite.prepare(
    `SELECT c.id, c.externalId, c.name, ${AT_STAKE_SQL} AS atStakeMinor
     FROM Customer c JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)
     WHERE c.ownerId = ? AND s.lifecycle IN ('at_risk', 'lapsed') AND c.status <> 'lost'
       AND NOT EXISTS (SELECT 1 FROM WinbackEpisode e WHERE e.customerId = c.id AND e.status = 'open')
     ORDER BY atStakeMinor DESC, c.id`,
  );

  type Content = Reply | string | null;

  /** The message of a care nudge; a string says why it is skipped; null: not a care nudge. */
  function content(row: NudgeRow, r: Reader, now: Date): Content {
    const { t, locale, zone } = r;
    const payload: unknown = JSON.parse(row.payload);
    switch (row.kind) {
      case 'complaint':
      case 'escalation': {
        const low = ratingPayload.safeParse(payload);
        if (low.success) {
          const found = rating.get(low.data.interactionId) as { text: string; id: number; externalId: string; name: string; ownerName: string | null } | undefined;
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
        const k = ticket.get(ticketPayload.parse(payload).ticketId) as
          | { id: number; status: string; text: string; deadline: number; openedAt: number; customerId: number; externalId: string; name: string; ownerName: string | null }
          | undefined;
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
        const c = customer.get(row.customerId) as { id: number; externalId: string; name: string; greetingOptOut: number } | undefined;
        if (!c) return 'the customer no longer exists';
        if (c.greetingOptOut) return 'the customer opted out of greetings';
        const blocks = holidayBlocks([{ id: row.id, payload: row.payload, customerId: c.id, externalId: c.externalId, name: c.name, tier: null }], r);
        return { visibility: 'private', blocks };
      }
      case 'holiday-list': {
        const h = holidayPayload.parse(payload);
        if (isoDate(localDateOf(now, zone)) >= h.date) return 'the holiday has begun';
        const counts = teamGreetings.get(row.targetId) as { total: number; top: number };
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
        const c = customer.get(row.customerId) as { id: number; externalId: string; name: string } | undefined;
        if (!c) return 'the customer no longer exists';
        if (reminder.success) {
          const p = plan.get(c.id, reminder.data.episode) as { status: string; deadline: number } | undefined;
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

  interface Greeting {
    id: number;
    payload: string;
    customerId: number;
    externalId: string;
    name: string;
    tier: string | null;
  }

  /** One list per holiday: whom to greet (A and B first), with a suggested greeting and "Log greeting". */
  function holidayBlocks(rows: readonly Greeting[], r: Reader): Block[] {
    const { t, locale, zone } = r;
    const byHoliday = new Map<string, { h: z.infer<typeof holidayPayload>; rows: Greeting[] }>();
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
  function agendaSections(row: NudgeRow, date: LocalDate, r: Reader, now: Date, since: number): { blocks: Block[]; carries: number[] } {
    const { t, locale } = r;
    const holidays = (row.sentAt === null ? greetings.pending.all({ rep: row.targetId, now: now.getTime() }) : greetings.carried.all({ rep: row.targetId, agenda: row.id })) as Greeting[];
    const coming = holidays.filter((g) => holidayPayload.parse(JSON.parse(g.payload)).date > isoDate(date));
    const blocks = holidayBlocks(coming, r);
    const referrals = topRatings.all(row.targetId, since, Math.min(now.getTime(), startOfLocalDay(addDays(date, 1), r.zone).getTime())) as { id: number; externalId: string; name: string }[];
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
      const light = lightTouch.all(row.targetId) as { id: number; externalId: string; name: string; atStakeMinor: number }[];
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
