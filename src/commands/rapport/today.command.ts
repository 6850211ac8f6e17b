import { z } from 'zod';
import { bookScope, hasRole } from '../../domain/actor.js';
import { DAY_MS } from '../../domain/calendar.js';
import { isoDate, localDateOf } from '../../domain/schedule/local-time.js';
import { formatMoney, formatNumber, formatPercent } from '../../i18n/index.js';
import { defineCommand, type CommandContext } from '../command.js';
import { formatWhen, label } from '../customer/customer-card.js';
import type { CallbackEntry } from '../ports.js';
import { reply, type Block, type ListItem } from '../reply.js';

const BIRTHDAY_DAYS = 7;
const TOP_AT_RISK = 5;
const LISTED_CALLBACKS = 10;

/**
 * The rep's day in one message (and Slack's App Home): overdue and today's callbacks with
 * Done / Snooze, birthdays this week, the customers most worth saving now; managers also see
 * their team's risk in figures.
 */
export const rapportTodayCommand = defineCommand({
  name: 'rapport today',
  key: 'rapportToday',
  requires: 'rep',
  options: [],
  args: z.object({}),
  async run(_, ctx) {
    const { t, actor, locale, currency } = ctx;
    const now = ctx.clock.now();
    const today = localDateOf(now, ctx.timeZone);
    const own = { kind: 'owner', repId: actor.repId } as const;
    const callbacks = await ctx.services.callbacks.open(actor.repId, bookScope(actor), new Date(now.getTime() + DAY_MS), LISTED_CALLBACKS);
    // Overdue and today's: an untimed callback belongs to its whole day.
    const dueToday = callbacks.filter((c) => isoDate(localDateOf(c.dueAt, ctx.timeZone)) <= isoDate(today));
    const birthdays = await ctx.services.customers.upcomingBirthdays(own, today, BIRTHDAY_DAYS, LISTED_CALLBACKS);
    const atRisk = await ctx.services.customers.list({ lifecycles: ['at_risk', 'lapsed'] }, own, { offset: 0, limit: TOP_AT_RISK });
    await ctx.audit('rapport.today', `rep:${actor.repId}`);
    const blocks: Block[] = [{ type: 'text', text: t('rapport.today.title', { name: actor.name }) }];
    const section = (title: string, items: ListItem[], empty: string) =>
      blocks.push(items.length > 0 ? { type: 'list', title, numbered: false, items } : { type: 'text', tone: 'muted', text: `${title}: ${empty}` });
    section(t('rapport.today.callbacks', { count: dueToday.length }), dueToday.map((c) => callbackItem(c, ctx)), t('rapport.today.noCallbacks'));
    section(
      t('rapport.today.birthdays', { count: birthdays.length }),
      birthdays.map((b) => ({
        primary: b.name,
        secondary: b.inDays === 0 ? t('customer.card.birthdayToday') : t('rapport.today.inDays', { count: b.inDays }),
        actions: [ctx.button(t('buttons.note'), { command: 'customer note', options: { who: b.id } }, { display: { who: b.externalId } })],
      })),
      t('rapport.today.noBirthdays'),
    );
    section(
      t('rapport.today.atRisk'),
      atRisk.rows.map((row) => ({
        primary: `${row.name} (${row.externalId})`,
        secondary: t('rapport.today.atRiskRow', {
          lifecycle: label(ctx, 'lifecycle', row.lifecycle),
          risk: row.churnRisk === null ? t('common.none') : formatPercent(row.churnRisk, locale),
          stake: formatMoney(row.atStakeMinor, locale, currency),
        }),
        actions: [ctx.button(t('buttons.open'), { command: 'customer lookup', options: { who: row.id } }, { display: { who: row.externalId } })],
      })),
      t('rapport.today.noAtRisk'),
    );
    if (hasRole(actor, 'manager')) {
      const scope = bookScope(actor);
      const [risk, lapsed] = await Promise.all([
        ctx.services.customers.count({ lifecycles: ['at_risk'] }, scope),
        ctx.services.customers.count({ lifecycles: ['lapsed'] }, scope),
      ]);
      blocks.push({
        type: 'card',
        title: t('rapport.today.teamTitle'),
        sections: [
          {
            fields: [
              { label: t('rapport.today.teamAtRisk'), value: formatNumber(risk.total, locale) },
              { label: t('rapport.today.teamLapsed'), value: formatNumber(lapsed.total, locale) },
              { label: t('rapport.today.teamAtStake'), value: formatMoney(risk.atStakeTotalMinor + lapsed.atStakeTotalMinor, locale, currency) },
            ],
          },
        ],
      });
    }
    return reply.private(...blocks);
  },
});

function callbackItem(c: CallbackEntry, ctx: CommandContext): ListItem {
  const { t } = ctx;
  const id = { options: { id: c.id } };
  return {
    primary: t('callback.agenda.item', { id: c.id, customer: c.customerName, externalId: c.customerExternalId }),
    secondary: [formatWhen(c.dueAt, c.timed, ctx), c.note].filter(Boolean).join(' · '),
    actions: [
      ctx.button(t('buttons.done'), { command: 'callback done', ...id }, { style: 'primary' }),
      ctx.button(t('buttons.snooze'), { command: 'callback snooze', ...id }),
    ],
  };
}
