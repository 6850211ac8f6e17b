import { LIFECYCLES, type Lifecycle } from '../../domain/analytics/lifecycle.js';
import { recommendedAction } from '../../domain/analytics/playbook.js';
import { daysBetween } from '../../domain/calendar.js';
import { daysUntilBirthday } from '../../domain/birthday-soon.js';
import { hasRole } from '../../domain/actor.js';
import { addDays, localDateOf, atLocalTime } from '../../domain/schedule/local-time.js';
import { formatDate, formatDateTime, formatMoney, formatNumber, formatPercent } from '../../i18n/index.js';
import type { CommandContext } from '../command.js';
import type { CustomerCard, CustomerScore, SpendLine } from '../ports.js';
import type { Action, Block, CardSection, Field, Reply } from '../reply.js';

/** A birthday this close shows on the card (the brief: "birthday if it is close"). */
export const BIRTHDAY_WINDOW_DAYS = 14;

/**
 * The customer card. Private by default (it carries contact data); `channel` is the card a
 * rep shares with the team: the same figures without phone and email.
 */
export function renderCard(card: CustomerCard, ctx: CommandContext, visibility: Reply['visibility'] = 'private'): Reply {
  const { t, locale, currency } = ctx;
  const now = ctx.clock.now();
  const money = (minor: number) => formatMoney(minor, locale, currency);
  const value: Field[] = [];
  const score = card.score;
  if (score) {
    const tier = t('customer.card.tierValue', { tier: t(`tier.${score.tier}`), band: label(ctx, 'valueBand', score.valueBand) });
    value.push({ label: t('customer.card.tier'), value: score.lowMargin ? `${tier} · ${t('customer.card.lowProfit')}` : tier });
    if (score.rScore !== null && score.fScore !== null && score.mScore !== null) {
      const rfm = t('customer.card.rfmValue', { r: score.rScore, f: score.fScore, m: score.mScore });
      value.push({ label: t('customer.card.rfm'), value: score.longTail === 'none' ? rfm : `${rfm} · ${label(ctx, 'longTail', score.longTail)}` });
    }
    // A prospect who ordered had everything refunded or free: "no order yet" would contradict the order count.
    const stage = score.lifecycle === 'prospect' && card.orderCount > 0 ? t('customer.card.prospectWithOrders') : label(ctx, 'lifecycle', score.lifecycle);
    value.push({ label: t('customer.card.lifecycle'), value: stage });
    if (score.churnRisk !== null) value.push({ label: t('customer.card.churnRisk'), value: churnRisk(score, ctx) });
    const expected = expectedValue(score, ctx);
    if (expected) value.push({ label: t('customer.card.expected'), value: expected });
  } else {
    value.push({ label: t('customer.card.tier'), value: t('customer.card.notScored') });
  }
  const activity: Field[] = [
    { label: t('customer.card.lifetimeSpend'), value: t('customer.card.spendValue', { amount: money(card.lifetimeMinor), count: card.orderCount }) },
    card.ownerName
      ? { label: t('customer.card.owner'), value: card.ownerName, mention: { name: card.ownerName, addresses: card.ownerAddresses } }
      : { label: t('customer.card.owner'), value: t('customer.card.unowned') },
    { label: t('customer.card.nextCallback'), value: nextCallback(card, ctx) },
    { label: t('customer.card.lastInteraction'), value: lastInteraction(card, ctx) },
  ];
  const birthday = birthdaySoon(card, now, ctx);
  if (birthday) activity.push({ label: t('customer.card.birthday'), value: birthday });
  if (card.tags.length > 0) activity.push({ label: t('customer.card.tags'), value: card.tags.join(', ') });
  const contact = [card.email, card.phone].filter((c): c is string => Boolean(c));
  if (visibility === 'private' && contact.length > 0) activity.push({ label: t('customer.card.contact'), value: contact.join(' · ') });
  const care = careLines(card, ctx);
  if (care.length > 0) activity.push({ label: t('customer.card.care'), value: care.join('\n') });
  // At most MAX_CARD_FIELDS in all: 5 value, 3 purchase and 8 activity fields when a customer has everything.
  const sections: CardSection[] = [{ fields: value }, { title: t('customer.card.buys'), fields: purchaseFields(card, now, ctx) }, { fields: activity }];
  const blocks: Block[] = [
    {
      type: 'card',
      title: card.name,
      subtitle: [card.externalId, card.region].filter(Boolean).join(' · '),
      sections,
      ...(score ? { footer: t('customer.card.next', { action: nextStep(score, ctx) }) } : {}),
    },
  ];
  if (visibility === 'private') blocks.push({ type: 'actions', actions: cardActions(card, ctx) });
  return { visibility, blocks };
}

/** What they buy: top categories and products by 12-month spend, the last purchases, and what peers buy that they do not. */
function purchaseFields(card: CustomerCard, now: Date, ctx: CommandContext): Field[] {
  const { t, locale, currency, timeZone } = ctx;
  const money = (minor: number) => formatMoney(minor, locale, currency);
  const { topCategories, topProducts, lastItems } = card.purchases;
  const spend = (lines: SpendLine[]) => lines.map((line) => `${line.name} ${money(line.spendMinor)}`).join(' · ');
  const fields: Field[] = [];
  const tops = [
    ...(topCategories.length > 0 ? [t('customer.card.topCategories', { list: spend(topCategories) })] : []),
    ...(topProducts.length > 0 ? [t('customer.card.topProducts', { list: spend(topProducts) })] : []),
  ];
  if (tops.length > 0) fields.push({ label: t('customer.card.tops'), value: tops.join('\n') });
  const last = lastItems.map((item, k) => {
    const date = formatDate(item.at, locale, timeZone);
    const when = k === 0 ? `${date} (${t('customer.card.daysAgo', { count: Math.max(0, daysBetween(item.at, now)) })})` : date;
    const what = `${item.product ?? item.category ?? t('customer.card.item')} ${money(item.amountMinor)}`;
    return `${when}: ${what}${item.refunded ? ` (${t('customer.card.refunded')})` : ''}`;
  });
  fields.push({ label: t('customer.card.lastPurchases'), value: last.length > 0 ? last.join(' · ') : t('customer.card.never') });
  const suggestion = card.score?.crossSell;
  if (suggestion) {
    fields.push({
      label: t('customer.card.crossSell'),
      value: t('customer.card.crossSellValue', { category: suggestion.category, from: suggestion.from, lift: formatNumber(suggestion.lift, locale, 1) }),
    });
  }
  return fields;
}

/** 客户关怀: ratings, open complaints, referrals both ways and the latest handover, where there are any, one line each. */
function careLines(card: CustomerCard, ctx: CommandContext): string[] {
  const { t, locale } = ctx;
  const lines: string[] = [];
  const line = (key: string, value: string) => lines.push(`${t(`customer.card.${key}`)}: ${value}`);
  if (card.satisfaction) {
    const { last, average, count } = card.satisfaction;
    line('satisfaction', count === 1 ? t('customer.card.satisfactionOnce', { last }) : t('customer.card.satisfactionValue', { last, average: formatNumber(average, locale, 1), count }));
  }
  if (card.openTickets > 0) line('openTickets', formatNumber(card.openTickets, locale));
  if (card.referredBy) line('referredBy', card.referredBy.name);
  const referred = card.referrals.names.join(', ');
  if (card.referrals.count > 0) line('referrals', card.referrals.count === 1 ? referred : t('customer.card.referralsValue', { names: referred, count: card.referrals.count }));
  if (card.handover) lines.push(card.handover.text);
  return lines;
}

/** Schedule, note and share for everyone who may see the card; reassigning for managers and admins. */
function cardActions(card: CustomerCard, ctx: CommandContext): Action[] {
  const { t } = ctx;
  const who = { options: { who: card.id }, display: { who: card.externalId } };
  const actions: Action[] = [
    ctx.button(t('buttons.schedule'), { command: 'callback', options: who.options }, { style: 'primary', display: who.display }),
    ctx.button(t('buttons.note'), { command: 'customer note', options: who.options }, { display: who.display }),
  ];
  if (hasRole(ctx.actor, 'manager')) {
    actions.push(ctx.button(t('buttons.assign'), { command: 'customer assign', options: who.options }, { display: who.display }));
  }
  actions.push(ctx.button(t('buttons.share'), { command: 'customer share', options: who.options }, { display: who.display }));
  return actions;
}

/** A value the analytics engine wrote (lifecycle, band…), in words; an unknown value shows as it is rather than as a key. */
export function label(ctx: CommandContext, group: 'lifecycle' | 'valueBand' | 'longTail', value: string): string {
  return ctx.t(`${group}.${value}`, { defaultValue: value });
}

function churnRisk(score: CustomerScore, ctx: CommandContext): string {
  const percent = formatPercent(score.churnRisk!, ctx.locale);
  const reason = score.churnReason;
  if (!reason) return percent;
  const figures = Object.fromEntries(
    Object.entries(reason).map(([name, value]) => [name, typeof value === 'number' && name === 'pAlive' ? formatPercent(value, ctx.locale) : value]),
  );
  const sentence = ctx.t(`churnReason.${reason.code}`, { ...figures, defaultValue: '' });
  return sentence ? `${percent} — ${sentence}` : percent;
}

function expectedValue(score: CustomerScore, ctx: CommandContext): string | null {
  const { t, locale, currency } = ctx;
  const parts: string[] = [];
  if (score.expected30 !== null) parts.push(t('customer.card.expected30', { orders: formatNumber(score.expected30, locale, 1) }));
  if (score.expected90 !== null) parts.push(t('customer.card.expected90', { orders: formatNumber(score.expected90, locale, 1) }));
  if (score.expectedAovMinor !== null) parts.push(t('customer.card.expectedAov', { amount: formatMoney(score.expectedAovMinor, locale, currency) }));
  if (score.clv12Minor !== null) parts.push(t('customer.card.clv', { amount: formatMoney(score.clv12Minor, locale, currency) }));
  return parts.length > 0 ? parts.join(' · ') : null;
}

/** The analytics playbook's line for this tier and stage (a win-back for at-risk and lapsed customers, …). */
function nextStep(score: CustomerScore, ctx: CommandContext): string {
  const lifecycle = (LIFECYCLES as readonly string[]).includes(score.lifecycle) ? (score.lifecycle as Lifecycle) : 'active';
  return ctx.t(recommendedAction(score.tier, lifecycle).key);
}

function nextCallback(card: CustomerCard, ctx: CommandContext): string {
  const { t } = ctx;
  if (!card.nextCallback) return t('customer.card.noCallback');
  return t('customer.card.callbackValue', { when: formatWhen(card.nextCallback.dueAt, card.nextCallback.timed, ctx), id: card.nextCallback.id });
}

function lastInteraction(card: CustomerCard, ctx: CommandContext): string {
  const { t, locale, timeZone } = ctx;
  const last = card.lastInteraction;
  if (!last) return t('customer.card.noInteraction');
  const head = t('customer.card.interactionValue', { kind: t(`interaction.${last.kind}`, { defaultValue: last.kind }), date: formatDate(last.at, locale, timeZone) });
  return last.text ? `${head} — ${last.text}` : head;
}

function birthdaySoon(card: CustomerCard, now: Date, ctx: CommandContext): string | null {
  if (!card.birthday) return null;
  const today = localDateOf(now, ctx.timeZone);
  const days = daysUntilBirthday(card.birthday, today, BIRTHDAY_WINDOW_DAYS);
  if (days === null) return null;
  if (days === 0) return ctx.t('customer.card.birthdayToday');
  const date = new Intl.DateTimeFormat(ctx.locale, { month: 'long', day: 'numeric', timeZone: 'UTC' }).format(
    atLocalTime(addDays(today, days), 12, 'UTC'),
  );
  return ctx.t('customer.card.birthdayIn', { count: days, date });
}

/** A callback time in the reader's zone; an untimed one shows only its day. */
export function formatWhen(at: Date, timed: boolean, ctx: CommandContext): string {
  return timed ? formatDateTime(at, ctx.locale, ctx.timeZone) : formatDate(at, ctx.locale, ctx.timeZone);
}
