import { z } from 'zod';
import { createButtonMaker } from '../commands/buttons.js';
import { commands } from '../commands/registry.js';
import type { Block, ListItem, Reply } from '../commands/reply.js';
import { createRenderStore } from '../db/stores/render-store.js';
import type { StoreHandle } from '../db/stores/store.js';
import { DAY_MS } from '../domain/calendar.js';
import { localDateOf, parseIsoDate, safeZone, startOfLocalDay, isoDate } from '../domain/schedule/local-time.js';
import { isTier } from '../domain/tier.js';
import { formatDate, formatDateTime, formatPercent, isLocale, translator, type Locale, type Translate } from '../i18n/index.js';
import type { Notification } from './notifier.js';
import { createNudgeData, recipientOf, type AgendaCallback, type ReaderRow } from './nudge-data.js';
import type { Reader } from './nudge-reader.js';
import type { NudgeRow } from './outbox.js';
import { reorderItem } from './reorder-agenda.js';
import { weeklyDigestReply, type DigestBuilder } from './weekly-digest.js';
import { createCareRenderer } from './care-renderer.js';
import { previousAgendaSlot } from '../domain/schedule/agenda.js';

/** `carries`: nudges that go out inside this message (an agenda's holiday greetings), marked sent with it. */
export type Prepared = { action: 'send'; notification: Notification; carries?: number[] } | { action: 'skip'; reason: string };

/**
 * Turns a due outbox row into the message to send now, or says why it is no longer worth
 * sending. `redraw`: the message was sent and is drawn again to update it in place, so a
 * callback that is no longer open shows as closed rather than being skipped. `routed`: the
 * reader the delivery's routing of this row just read (createRecipientLookup); without it (a
 * redraw) the reader is read as it is now.
 */
export type NudgeRenderer = (row: NudgeRow, now: Date, late: boolean, mode?: 'send' | 'redraw', routed?: ReaderRow) => Promise<Prepared>;

export interface NudgeRendererOptions {
  currency: string;
  defaultLocale: Locale;
  /** Builds the Monday digest with its chart in the recipient's language: on the background worker in the bot. */
  buildDigest: DigestBuilder;
}

/** A birthday greeting more than this late is no longer a greeting; the rep is not nudged. */
export const GREETING_STALE_MS = 3 * DAY_MS;
const LIST_LIMIT = 10;

const datePayload = z.object({ date: z.string() });
const callbackPayload = z.object({ callbackId: z.number().int(), dueAt: z.string() });
const birthdayListPayload = z.object({ date: z.string(), customerIds: z.array(z.number().int()) });
/** The planner sends one win-back message: "won back" (new plans are listed in the morning agenda). */
const wonBackPayload = z.object({ outcome: z.literal('won'), episode: z.number().int(), tier: z.string().nullable(), orderedAt: z.string() });


/**
 * Draws nudge messages from the current state of the database (nudge-data.ts reads it): the
 * same drawing serves the first delivery and every redraw after a button press on it.
 */
export function createNudgeRenderer(db: StoreHandle, options: NudgeRendererOptions): NudgeRenderer {
  const store = createRenderStore(db);
  const data = createNudgeData(store);
  const care = createCareRenderer(store, options.currency);

  async function reader(row: NudgeRow, routed: ReaderRow | undefined): Promise<Reader | null> {
    const found = routed ?? (await data.readerOf(row));
    if (!found) return null;
    const locale: Locale = isLocale(found.locale) ? found.locale : options.defaultLocale;
    const t = translator(locale);
    const make = createButtonMaker(commands, t);
    return {
      ...found,
      t,
      locale,
      zone: safeZone(found.zone),
      button: (label, invocation, extra) => make(label, { ...invocation, nudgeId: row.id }, extra),
    };
  }

  const playbook = (t: Translate, tier: string | null) => (isTier(tier) ? t(`scheduler.playbook.${tier}`) : undefined);
  const who = (c: { id: number; externalId: string }) => ({ options: { who: c.id }, display: { who: c.externalId } });

  async function content(row: NudgeRow, r: Reader, now: Date, mode: 'send' | 'redraw', carries: number[]): Promise<Reply | string> {
    const { t, locale, zone } = r;
    const payload: unknown = JSON.parse(row.payload);
    // Complaints, escalations, holidays and win-back reminders and losses are drawn in care-renderer.ts. A won-back
    // message (sent by the thousand) is told apart first, so it pays for no care payload that does not fit it.
    const won = row.kind === 'winback' ? wonBackPayload.safeParse(payload) : undefined;
    const cared = won?.success ? null : await care.content(row, r, now);
    if (cared !== null) return cared;
    switch (row.kind) {
      case 'callback': {
        const { callbackId, dueAt } = callbackPayload.parse(payload);
        const callback = await data.callback(callbackId);
        if (callback && callback.status !== 'open' && mode === 'redraw') {
          const status = t(`callback.status.${callback.status}`, { defaultValue: callback.status });
          return { visibility: 'private', blocks: [{ type: 'text', tone: 'muted', text: t('scheduler.callback.closed', { id: callbackId, customer: callback.customerName, status }) }] };
        }
        if (!callback || callback.status !== 'open') return 'the callback is no longer open';
        if (callback.dueAt !== Date.parse(dueAt)) return 'the callback was moved; its new time has its own nudge';
        const c = await data.customer(row.customerId);
        if (!c) return 'the customer no longer exists';
        if (r.kind !== 'rep' || !(await data.inBook(c.id, r.id))) return "the customer is not in the rep's book";
        const id = { options: { id: callbackId } };
        return {
          visibility: 'private',
          blocks: [
            {
              type: 'card',
              title: t('scheduler.callback.title', { customer: c.name }),
              sections: [
                {
                  fields: [
                    { label: t('scheduler.callback.due'), value: formatDateTime(new Date(callback.dueAt), locale, zone) },
                    { label: t('scheduler.callback.note'), value: callback.note || t('scheduler.callback.noNote') },
                  ],
                },
              ],
              ...optional('footer', playbook(t, c.tier)),
            },
            {
              type: 'actions',
              actions: [
                r.button(t('scheduler.actions.done'), { command: 'callback done', ...id }, { style: 'primary' }),
                r.button(t('scheduler.actions.snooze'), { command: 'callback snooze', ...id }),
                r.button(t('scheduler.actions.reschedule'), { command: 'callback snooze', ...id, form: true }),
                r.button(t('scheduler.actions.note'), { command: 'customer note', options: who(c).options }, { display: who(c).display }),
              ],
            },
          ],
        };
      }
      case 'birthday': {
        if (now.getTime() - row.dueAt > GREETING_STALE_MS) return 'the birthday is more than 3 days past';
        const c = await data.customer(row.customerId);
        if (!c) return 'the customer no longer exists';
        if (c.greetingOptOut) return 'the customer opted out of greetings';
        const date = parseIsoDate(datePayload.parse(payload).date);
        return {
          visibility: 'private',
          blocks: [
            {
              type: 'card',
              title: t('scheduler.birthday.title', { customer: c.name }),
              ...optional('subtitle', c.birthdayYear && date ? t('scheduler.birthday.turning', { age: date.year - c.birthdayYear }) : undefined),
              sections: [{ fields: [{ label: t('scheduler.birthday.greetingLabel'), value: t('scheduler.birthday.greeting', { name: c.name }) }] }],
              ...optional('footer', playbook(t, c.tier)),
            },
            {
              type: 'actions',
              actions: [
                r.button(t('scheduler.actions.lookup'), { command: 'customer lookup', options: who(c).options }, { display: who(c).display }),
                r.button(t('scheduler.actions.note'), { command: 'customer note', options: who(c).options }, { display: who(c).display }),
              ],
            },
          ],
        };
      }
      case 'birthday-list': {
        if (now.getTime() - row.dueAt > GREETING_STALE_MS) return 'the birthdays are more than 3 days past';
        const { date, customerIds } = birthdayListPayload.parse(payload);
        const people = (await Promise.all(customerIds.map((id) => data.customer(id)))).filter((c) => c !== undefined && !c.greetingOptOut);
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
              items: people.map((c) => ({ primary: c!.name, secondary: t('scheduler.birthdayList.owner', { owner: c!.ownerName ?? '—' }) })),
            },
          ],
        };
      }
      case 'winback': {
        // Rows of older versions that announced each new plan are not sent: plans are listed in the agenda.
        if (!won?.success) return 'win-back plans are listed in the morning agenda';
        const c = await data.customer(row.customerId);
        if (!c) return 'the customer no longer exists';
        return {
          visibility: 'private',
          blocks: [
            { type: 'text', text: t('scheduler.winback.wonTitle', { customer: c.name }), tone: 'success' },
            { type: 'text', text: t('scheduler.winback.wonBody', { date: formatDate(new Date(won.data.orderedAt), locale, zone) }) },
          ],
        };
      }
      case 'agenda': {
        const date = parseIsoDate(datePayload.parse(payload).date);
        if (!date || isoDate(localDateOf(now, zone)) !== isoDate(date)) return "a later day's agenda replaces it";
        return (await agendaReply(row, date, r, now, carries)) ?? 'nothing on the agenda';
      }
      case 'digest': {
        if (await data.hasNewerDigest(row.targetId, row.dueAt, now)) return 'a newer digest replaces it';
        const scope = r.teamId === null ? { kind: 'all' as const } : { kind: 'team' as const, teamId: r.teamId, teamName: r.teamName ?? '' };
        return weeklyDigestReply(options.buildDigest, scope, now, { t, locale, currency: options.currency, timeZone: zone });
      }
      case 'reorder': {
        // Claimed on its own: no agenda carried it (see outbox CARRIED_KINDS).
        const found = await data.reorder(row.id, now.getTime());
        if (!found) return 'the customer no longer exists';
        if (found.stale) return `the reminder no longer holds: ${found.stale}`;
        return { visibility: 'private', blocks: [{ type: 'list', title: t('scheduler.agenda.reorders'), numbered: false, items: [reorderItem(found.line, r)] }] };
      }
      default:
        return `${row.kind} is drawn elsewhere`;
    }
  }

  async function agendaReply(row: NudgeRow, date: ReturnType<typeof localDateOf>, r: Reader, now: Date, carries: number[]): Promise<Reply | null> {
    const { t, locale, zone } = r;
    const [a, cared] = await Promise.all([
      data.agenda(row.targetId, date, zone, r.agendaHour, r.teamId, now, row.id, row.sentAt),
      care.agendaSections(row, date, r, now, previousAgendaSlot(zone, r.agendaHour, date).dueAt.getTime()),
    ]);
    carries.push(...cared.carries);
    // The reminders listed go out with the agenda; any beyond the list's length stay pending and go out on their own.
    if (row.sentAt === null) carries.push(...a.reorders.slice(0, LIST_LIMIT).map((line) => line.nudgeId));
    if (a.today.length + a.overdue.length + a.birthdays.length + a.winbacks.length + a.atRisk.length + a.reorders.length + a.waitingCheckIns + cared.blocks.length === 0) return null;

    // Every callback on the agenda carries its own Done / Snooze.
    const callbackItem = (k: AgendaCallback, overdueItem: boolean): ListItem => {
      const when = overdueItem || k.timed ? formatDateTime(new Date(k.dueAt), locale, zone) : t('scheduler.agenda.allDay');
      const parts = [t('scheduler.agenda.dueAt', { when })];
      if (k.source === 'cadence' && isTier(k.tier)) parts.push(t('scheduler.agenda.cadence', { tier: k.tier }));
      if (k.note) parts.push(k.note);
      const id = { options: { id: k.id } };
      return {
        primary: k.name,
        secondary: parts.join(' · '),
        actions: [
          r.button(t('scheduler.actions.done'), { command: 'callback done', ...id }, { style: 'primary' }),
          r.button(t('scheduler.actions.snooze'), { command: 'callback snooze', ...id }),
        ],
      };
    };
    const blocks: Block[] = [{ type: 'text', text: t('scheduler.agenda.title', { date: formatDate(startOfLocalDay(date, zone), locale, zone) }) }];
    const section = <T>(titleKey: string, items: T[], item: (entry: T) => ListItem, note?: string) => {
      if (items.length === 0) return;
      blocks.push({
        type: 'list',
        title: `${t(titleKey)} (${items.length})`,
        numbered: false,
        items: items.slice(0, LIST_LIMIT).map(item),
        ...optional('footer', items.length > LIST_LIMIT ? t('scheduler.more', { count: items.length - LIST_LIMIT }) : note),
      });
    };
    section('scheduler.agenda.overdue', a.overdue, (k) => callbackItem(k, true));
    section('scheduler.agenda.today', a.today, (k) => callbackItem(k, false));
    section('scheduler.agenda.birthdays', a.birthdays, (c) => ({
      primary: c.name,
      secondary: formatDate(startOfLocalDay(c.on, zone), locale, zone),
      actions: [r.button(t('scheduler.actions.note'), { command: 'customer note', options: who(c).options }, { display: who(c).display })],
    }));
    section('scheduler.agenda.winbacks', a.winbacks, (w) => ({
      primary: w.name,
      secondary: [
        t('scheduler.agenda.deadline', { date: formatDate(new Date(w.deadline), locale, zone) }),
        t(`scheduler.winback.offers.${isTier(w.tier) ? w.tier : 'D'}`),
        ...(w.crossSell && w.crossSellFrom ? [t('scheduler.crossSell', { from: w.crossSellFrom, category: w.crossSell })] : []),
      ].join(' · '),
      actions: [r.button(t('scheduler.actions.schedule'), { command: 'callback', options: who(w).options }, { display: who(w).display })],
    }), t('scheduler.winback.stopRule'));
    // Plans beyond the first ten are never hidden for good: /winbacks lists them all.
    if (a.winbacks.length > LIST_LIMIT) (blocks.at(-1) as Extract<Block, { type: 'list' }>).footer = `${t('scheduler.more', { count: a.winbacks.length - LIST_LIMIT })} — ${t('scheduler.winback.allPlans')}`;
    blocks.push(...cared.blocks);
    section('scheduler.agenda.atRisk', a.atRisk, (c) => ({
      primary: c.name,
      ...optional('secondary', c.churnRisk === null ? undefined : t('scheduler.agenda.risk', { risk: formatPercent(c.churnRisk, locale) })),
      actions: [r.button(t('scheduler.actions.lookup'), { command: 'customer lookup', options: who(c).options }, { display: who(c).display })],
    }));
    section('scheduler.agenda.reorders', a.reorders, (line) => reorderItem(line, r));
    if (a.waitingCheckIns > 0) {
      blocks.push({ type: 'text', tone: 'muted', text: t('scheduler.agenda.waiting', { count: a.waitingCheckIns, limit: a.checkInsPerDay }) });
    }
    return { visibility: 'private', blocks };
  }

  return async function render(row, now, late, mode = 'send', routed) {
    const r = await reader(row, routed);
    if (!r) return { action: 'skip', reason: 'the recipient no longer exists or is inactive' };
    const carries: number[] = [];
    const result = await content(row, r, now, mode, carries);
    if (typeof result === 'string') return { action: 'skip', reason: result };
    const reply: Reply = late
      ? { ...result, blocks: [{ type: 'text', tone: 'muted', text: r.t('scheduler.late', { when: formatDateTime(new Date(row.dueAt), r.locale, r.zone) }) }, ...result.blocks] }
      : result;
    return {
      action: 'send',
      notification: { recipient: recipientOf(r), reply, dedupeKey: row.dedupeKey, kind: row.kind, late, nudgeId: row.id, locale: r.locale },
      ...(carries.length > 0 ? { carries } : {}),
    };
  };
}

/** Leaves a key out rather than setting it to undefined (the Reply types are exact). */
function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
