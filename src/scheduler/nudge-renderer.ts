import { z } from 'zod';
import type { ActionsBlock, Block, Reply } from '../commands/reply.js';
import type { Sqlite } from '../db/database.js';
import { DAY_MS } from '../domain/calendar.js';
import { previousAgendaSlot } from '../domain/schedule/agenda.js';
import { birthdayKeysFor, datesFrom, isBirthdayOn } from '../domain/schedule/birthday.js';
import { isTier } from '../domain/schedule/cadence.js';
import { addDays, localDateOf, parseIsoDate, safeZone, startOfLocalDay, type LocalDate, isoDate } from '../domain/schedule/local-time.js';
import { parseScheduleSettings } from '../domain/schedule/schedule-settings.js';
import { formatDate, formatDateTime, formatPercent, isLocale, translator, type Locale, type Translate } from '../i18n/index.js';
import type { DigestChartRenderer } from './digest-chart.js';
import type { Notification, Recipient } from './notifier.js';
import type { NudgeRow } from './outbox.js';
import { buildWeeklyDigest, digestReply } from './weekly-digest.js';

export type Prepared = { action: 'send'; notification: Notification } | { action: 'skip'; reason: string };

/** Turns a due outbox row into the message to send now, or says why it is no longer worth sending. */
export type NudgeRenderer = (row: NudgeRow, now: Date, late: boolean) => Promise<Prepared>;

export interface NudgeRendererOptions {
  currency: string;
  defaultLocale: Locale;
  /** The digest chart, drawn in the recipient's language. */
  renderChart: DigestChartRenderer;
}

/** A birthday greeting more than this late is no longer a greeting; the rep is not nudged. */
export const GREETING_STALE_MS = 3 * DAY_MS;
const LIST_LIMIT = 10;
const BUTTONED_ITEMS = 3;
const SNOOZE_MINUTES = 24 * 60;

const datePayload = z.object({ date: z.string() });
const callbackPayload = z.object({ callbackId: z.number().int(), dueAt: z.string() });
const birthdayListPayload = z.object({ date: z.string(), customerIds: z.array(z.number().int()) });
const winbackPayload = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('open'), episode: z.number().int(), deadline: z.string(), tier: z.string().nullable() }),
  z.object({ outcome: z.literal('won'), episode: z.number().int(), tier: z.string().nullable(), orderedAt: z.string() }),
]);

interface Reader {
  recipient: Recipient;
  t: Translate;
  locale: Locale;
  zone: string;
  teamId: number | null;
  teamName: string | null;
  agendaHour: number;
}

interface CustomerInfo {
  id: number;
  name: string;
  birthdayYear: number | null;
  greetingOptOut: number;
  ownerName: string | null;
  tier: string | null;
}

export function createNudgeRenderer(sqlite: Sqlite, options: NudgeRendererOptions): NudgeRenderer {
  const repQuery = sqlite.prepare(
    `SELECT r.id, r.name, r.slackUserId, r.discordUserId, COALESCE(r.locale, t.locale) AS locale, COALESCE(r.timeZone, t.timeZone) AS zone,
       r.teamId, t.name AS teamName, r.agendaHour, r.active
     FROM Rep r LEFT JOIN Team t ON t.id = r.teamId WHERE r.id = ?`,
  );
  const teamQuery = sqlite.prepare('SELECT id, name, slackChannelId, discordChannelId, locale, timeZone AS zone FROM Team WHERE id = ?');
  const customerQuery = sqlite.prepare(
    `SELECT c.id, c.name, c.birthdayYear, c.greetingOptOut, r.name AS ownerName,
       (SELECT s.tier FROM ScoreSnapshot s WHERE s.customerId = c.id ORDER BY s.week DESC LIMIT 1) AS tier
     FROM Customer c LEFT JOIN Rep r ON r.id = c.ownerId WHERE c.id = ?`,
  );
  const callbackQuery = sqlite.prepare('SELECT status, dueAt, note FROM Callback WHERE id = ?');
  const newerDigest = sqlite.prepare("SELECT 1 FROM Nudge WHERE kind = 'digest' AND targetId = ? AND dueAt > ? AND dueAt <= ? LIMIT 1");
  const localeOf = (value: string | null): Locale => (isLocale(value) ? value : options.defaultLocale);

  function reader(row: NudgeRow): Reader | null {
    if (row.targetKind === 'rep') {
      const rep = repQuery.get(row.targetId) as
        | { id: number; name: string; slackUserId: string | null; discordUserId: string | null; locale: string | null; zone: string | null; teamId: number | null; teamName: string | null; agendaHour: number; active: number }
        | undefined;
      if (!rep || rep.active !== 1) return null;
      const locale = localeOf(rep.locale);
      return {
        recipient: { kind: 'rep', repId: rep.id, name: rep.name, slackUserId: rep.slackUserId, discordUserId: rep.discordUserId },
        t: translator(locale), locale, zone: safeZone(rep.zone), teamId: rep.teamId, teamName: rep.teamName, agendaHour: rep.agendaHour,
      };
    }
    const team = teamQuery.get(row.targetId) as
      | { id: number; name: string; slackChannelId: string | null; discordChannelId: string | null; locale: string; zone: string }
      | undefined;
    if (!team) return null;
    const locale = localeOf(team.locale);
    return {
      recipient: { kind: 'team', teamId: team.id, name: team.name, slackChannelId: team.slackChannelId, discordChannelId: team.discordChannelId },
      t: translator(locale), locale, zone: safeZone(team.zone), teamId: team.id, teamName: team.name, agendaHour: 9,
    };
  }

  const customer = (id: number | null) => (id === null ? undefined : (customerQuery.get(id) as CustomerInfo | undefined));
  const playbook = (t: Translate, tier: string | null) => (isTier(tier) ? t(`scheduler.playbook.${tier}`) : undefined);

  async function content(row: NudgeRow, r: Reader, now: Date): Promise<Reply | string> {
    const { t, locale, zone } = r;
    const payload: unknown = JSON.parse(row.payload);
    switch (row.kind) {
      case 'callback': {
        const { callbackId, dueAt } = callbackPayload.parse(payload);
        const callback = callbackQuery.get(callbackId) as { status: string; dueAt: number; note: string } | undefined;
        if (!callback || callback.status !== 'open') return 'the callback is no longer open';
        if (callback.dueAt !== Date.parse(dueAt)) return 'the callback was moved; its new time has its own nudge';
        const c = customer(row.customerId);
        if (!c) return 'the customer no longer exists';
        return {
          visibility: 'private',
          blocks: [
            {
              type: 'card',
              title: t('scheduler.callback.title', { customer: c.name }),
              fields: [
                { label: t('scheduler.callback.due'), value: formatDateTime(new Date(callback.dueAt), locale, zone) },
                { label: t('scheduler.callback.note'), value: callback.note || t('scheduler.callback.noNote') },
              ],
              ...optional('footer', playbook(t, c.tier)),
            },
            {
              type: 'actions',
              actions: [
                { label: t('scheduler.actions.done'), payload: { action: 'callback.done', callbackId }, style: 'primary' },
                { label: t('scheduler.actions.snooze'), payload: { action: 'callback.snooze', callbackId, minutes: SNOOZE_MINUTES } },
                { label: t('scheduler.actions.reschedule'), payload: { action: 'callback.reschedule', callbackId } },
                { label: t('scheduler.actions.note'), payload: { action: 'customer.note', customerId: c.id } },
              ],
            },
          ],
        };
      }
      case 'birthday': {
        if (now.getTime() - row.dueAt > GREETING_STALE_MS) return 'the birthday is more than 3 days past';
        const c = customer(row.customerId);
        if (!c) return 'the customer no longer exists';
        if (c.greetingOptOut) return 'the customer opted out of greetings';
        const date = parseIsoDate(datePayload.parse(payload).date);
        const fields = [{ label: t('scheduler.birthday.greetingLabel'), value: t('scheduler.birthday.greeting', { name: c.name }) }];
        return {
          visibility: 'private',
          blocks: [
            {
              type: 'card',
              title: t('scheduler.birthday.title', { customer: c.name }),
              ...optional('subtitle', c.birthdayYear && date ? t('scheduler.birthday.turning', { age: date.year - c.birthdayYear }) : undefined),
              fields,
              ...optional('footer', playbook(t, c.tier)),
            },
            {
              type: 'actions',
              actions: [
                { label: t('scheduler.actions.lookup'), payload: { action: 'customer.lookup', customerId: c.id } },
                { label: t('scheduler.actions.note'), payload: { action: 'customer.note', customerId: c.id } },
              ],
            },
          ],
        };
      }
      case 'birthday-list': {
        if (now.getTime() - row.dueAt > GREETING_STALE_MS) return 'the birthdays are more than 3 days past';
        const { date, customerIds } = birthdayListPayload.parse(payload);
        const people = customerIds.map((id) => customer(id)).filter((c): c is CustomerInfo => c !== undefined && !c.greetingOptOut);
        if (people.length === 0) return 'nobody left on the list';
        const day = parseIsoDate(date);
        // A channel message: names and owners only, never contact data.
        return {
          visibility: 'channel',
          blocks: [
            {
              type: 'list',
              title: t('scheduler.birthdayList.title', { date: day ? formatDate(startOfLocalDay(day, zone), locale, zone) : date }),
              numbered: false,
              items: people.map((c) => ({ primary: c.name, secondary: t('scheduler.birthdayList.owner', { owner: c.ownerName ?? '—' }) })),
            },
          ],
        };
      }
      case 'winback': {
        const parsed = winbackPayload.parse(payload);
        const c = customer(row.customerId);
        if (!c) return 'the customer no longer exists';
        if (parsed.outcome === 'won') {
          return {
            visibility: 'private',
            blocks: [
              { type: 'text', text: t('scheduler.winback.wonTitle', { customer: c.name }), tone: 'success' },
              { type: 'text', text: t('scheduler.winback.wonBody', { date: formatDate(new Date(parsed.orderedAt), locale, zone) }) },
            ],
          };
        }
        // New plans are listed in the morning agenda (one bundled DM, not a ping each).
        return 'win-back plans are listed in the morning agenda';
      }
      case 'agenda': {
        const date = parseIsoDate(datePayload.parse(payload).date);
        if (!date || isoDate(localDateOf(now, zone)) !== isoDate(date)) return "a later day's agenda replaces it";
        return agendaReply(row.targetId, date, r, now) ?? 'nothing on the agenda';
      }
      case 'digest': {
        if (newerDigest.get(row.targetId, row.dueAt, now.getTime())) return 'a newer digest replaces it';
        const scope = r.teamId === null ? { kind: 'all' as const } : { kind: 'team' as const, teamId: r.teamId, teamName: r.teamName ?? '' };
        const digest = buildWeeklyDigest(sqlite, scope, now, zone);
        const chart = digest.history.length > 0 ? await options.renderChart(digest.history, locale) : null;
        return digestReply(digest, scope, { t, locale, currency: options.currency }, chart);
      }
    }
  }

  const agendaQueries = {
    callbacks: sqlite.prepare(
      `SELECT k.id, k.dueAt, k.timed, k.source, k.note, c.id AS customerId, c.name,
         (SELECT s.tier FROM ScoreSnapshot s WHERE s.customerId = c.id ORDER BY s.week DESC LIMIT 1) AS tier
       FROM Callback k JOIN Customer c ON c.id = k.customerId
       WHERE k.ownerId = ? AND k.status = 'open' AND k.dueAt >= ? AND k.dueAt < ? ORDER BY k.dueAt, k.id`,
    ),
    birthdays: sqlite.prepare(
      `SELECT id, name, birthdayMonth AS month, birthdayDay AS day FROM Customer
       WHERE ownerId = ? AND birthdayMonth = ? AND birthdayDay = ? AND greetingOptOut = 0`,
    ),
    // Plans opened since the rep's last agenda that went out: a skipped or missed agenda passes them on.
    winbacks: sqlite.prepare(
      `SELECT c.id, c.name, e.deadline,
         (SELECT s.tier FROM ScoreSnapshot s WHERE s.customerId = c.id ORDER BY s.week DESC LIMIT 1) AS tier
       FROM WinbackEpisode e JOIN Customer c ON c.id = e.customerId
       WHERE c.ownerId = @rep AND e.status = 'open' AND e.startedAt <= @now AND e.startedAt > COALESCE(
         (SELECT MAX(n.sentAt) FROM Nudge n WHERE n.kind = 'agenda' AND n.targetId = @rep AND n.status = 'sent'), -1)
       ORDER BY e.startedAt, c.id`,
    ),
    atRisk: sqlite.prepare(
      `SELECT c.id, c.name, cur.churnRisk FROM ScoreSnapshot cur JOIN Customer c ON c.id = cur.customerId
         LEFT JOIN ScoreSnapshot prev ON prev.customerId = cur.customerId
           AND prev.week = (SELECT MAX(week) FROM ScoreSnapshot WHERE week < cur.week)
       WHERE c.ownerId = ? AND cur.week = (SELECT MAX(week) FROM ScoreSnapshot) AND cur.lifecycle = 'at_risk'
         AND (prev.lifecycle IS NULL OR prev.lifecycle != 'at_risk') AND cur.computedAt > ?
       ORDER BY cur.churnRisk DESC, c.id`,
    ),
    // Check-ins due by tonight that the daily limit held back (db/check-ins.ts keeps checkInDueAt).
    waitingCheckIns: sqlite
      .prepare(
        `SELECT COUNT(*) FROM Customer c WHERE c.ownerId = ? AND c.checkInDueAt < ? AND c.status != 'lost'
           AND NOT EXISTS (SELECT 1 FROM Callback k WHERE k.customerId = c.id AND k.status = 'open')`,
      )
      .pluck(),
    teamSettings: sqlite.prepare('SELECT settings FROM Team WHERE id = ?').pluck(),
  };

  type AgendaCallback = { id: number; dueAt: number; timed: number; source: string; note: string; customerId: number; name: string; tier: string | null };

  function agendaReply(repId: number, date: LocalDate, r: Reader, now: Date): Reply | null {
    const { t, locale, zone } = r;
    const start = startOfLocalDay(date, zone).getTime();
    const end = startOfLocalDay(addDays(date, 1), zone).getTime();
    const today = agendaQueries.callbacks.all(repId, start, end) as AgendaCallback[];
    const overdue = agendaQueries.callbacks.all(repId, 0, start) as AgendaCallback[];
    const coming = datesFrom(date, 7);
    const birthdays = birthdayKeysFor(coming)
      .flatMap((key) => agendaQueries.birthdays.all(repId, key.month, key.day) as { id: number; name: string; month: number; day: number }[])
      .map((c) => ({ ...c, on: coming.find((d) => isBirthdayOn(c, d)) }))
      .filter((c): c is typeof c & { on: LocalDate } => c.on !== undefined)
      .sort((a, b) => isoDate(a.on).localeCompare(isoDate(b.on)) || a.id - b.id);
    // "New" means since the previous working day's agenda.
    const since = previousAgendaSlot(zone, r.agendaHour, date).dueAt.getTime();
    const winbacks = agendaQueries.winbacks.all({ rep: repId, now: now.getTime() }) as { id: number; name: string; deadline: number; tier: string | null }[];
    const winbackIds = new Set(winbacks.map((w) => w.id));
    const atRisk = (agendaQueries.atRisk.all(repId, since) as { id: number; name: string; churnRisk: number | null }[]).filter(
      (c) => !winbackIds.has(c.id),
    );
    const waiting = agendaQueries.waitingCheckIns.get(repId, end) as number;
    if (today.length + overdue.length + birthdays.length + winbacks.length + atRisk.length + waiting === 0) return null;

    const callbackLine = (k: AgendaCallback, overdueItem: boolean) => {
      const when = overdueItem || k.timed ? formatDateTime(new Date(k.dueAt), locale, zone) : t('scheduler.agenda.allDay');
      const parts = [t('scheduler.agenda.dueAt', { when })];
      if (k.source === 'cadence' && isTier(k.tier)) parts.push(t('scheduler.agenda.cadence', { tier: k.tier }));
      if (k.note) parts.push(k.note);
      return { primary: k.name, secondary: parts.join(' · ') };
    };
    const blocks: Block[] = [{ type: 'text', text: t('scheduler.agenda.title', { date: formatDate(new Date(start), locale, zone) }) }];
    const section = <T>(titleKey: string, items: T[], line: (item: T) => { primary: string; secondary?: string }, note?: string) => {
      if (items.length === 0) return;
      blocks.push({
        type: 'list',
        title: `${t(titleKey)} (${items.length})`,
        numbered: false,
        items: items.slice(0, LIST_LIMIT).map(line),
        ...optional('footer', items.length > LIST_LIMIT ? t('scheduler.more', { count: items.length - LIST_LIMIT }) : note),
      });
    };
    section('scheduler.agenda.overdue', overdue, (k) => callbackLine(k, true));
    section('scheduler.agenda.today', today, (k) => callbackLine(k, false));
    section('scheduler.agenda.birthdays', birthdays, (c) => ({ primary: c.name, secondary: formatDate(startOfLocalDay(c.on, zone), locale, zone) }));
    section('scheduler.agenda.winbacks', winbacks, (w) => ({
      primary: w.name,
      secondary: `${t('scheduler.agenda.deadline', { date: formatDate(new Date(w.deadline), locale, zone) })} · ${t(`scheduler.winback.offers.${isTier(w.tier) ? w.tier : 'D'}`)}`,
    }), t('scheduler.winback.stopRule'));
    section('scheduler.agenda.atRisk', atRisk, (c) => ({
      primary: c.name,
      ...optional('secondary', c.churnRisk === null ? undefined : t('scheduler.agenda.risk', { risk: formatPercent(c.churnRisk, locale) })),
    }));
    const actions: ActionsBlock['actions'] = [...overdue, ...today].slice(0, BUTTONED_ITEMS).flatMap((k) => [
      { label: `${t('scheduler.actions.done')} · ${k.name}`, payload: { action: 'callback.done', callbackId: k.id }, style: 'primary' as const },
      { label: `${t('scheduler.actions.snooze')} · ${k.name}`, payload: { action: 'callback.snooze', callbackId: k.id, minutes: SNOOZE_MINUTES } },
    ]);
    for (const w of winbacks.slice(0, BUTTONED_ITEMS)) {
      actions.push({ label: `${t('scheduler.actions.schedule')} · ${w.name}`, payload: { action: 'callback.schedule', customerId: w.id } });
    }
    if (waiting > 0) {
      const settings = r.teamId === null ? '{}' : ((agendaQueries.teamSettings.get(r.teamId) as string | undefined) ?? '{}');
      blocks.push({ type: 'text', tone: 'muted', text: t('scheduler.agenda.waiting', { count: waiting, limit: parseScheduleSettings(settings).checkInsPerDay }) });
    }
    if (actions.length > 0) blocks.push({ type: 'actions', actions });
    return { visibility: 'private', blocks };
  }

  return async function render(row, now, late) {
    const r = reader(row);
    if (!r) return { action: 'skip', reason: 'the recipient no longer exists or is inactive' };
    const result = await content(row, r, now);
    if (typeof result === 'string') return { action: 'skip', reason: result };
    const reply: Reply = late
      ? { ...result, blocks: [{ type: 'text', tone: 'muted', text: r.t('scheduler.late', { when: formatDateTime(new Date(row.dueAt), r.locale, r.zone) }) }, ...result.blocks] }
      : result;
    return { action: 'send', notification: { recipient: r.recipient, reply, dedupeKey: row.dedupeKey, kind: row.kind, late } };
  };
}

/** Leaves a key out rather than setting it to undefined (the Reply types are exact). */
function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
