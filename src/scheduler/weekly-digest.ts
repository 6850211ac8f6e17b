import type { Reply } from '../commands/reply.js';
import { createDigestStore } from '../db/stores/digest-store.js';
import type { StoreHandle } from '../db/stores/store.js';
import type { DigestChartRenderer } from './digest-chart.js';
import { DAY_MS } from '../domain/calendar.js';
import { isoWeekOf, localDateOf } from '../domain/schedule/local-time.js';
import { formatMoney, formatNumber, type Locale, type Translate } from '../i18n/index.js';
import type { WeeklyCounts } from './digest-chart.js';
import { buildCareDigest, careDigestBlocks, type CareDigest } from './care-digest.js';

/** Whose customers a digest covers: a manager's team, or everyone (an admin asking). */
export type DigestScope = { kind: 'team'; teamId: number; teamName: string } | { kind: 'all' };

export interface DigestCustomer {
  id: number;
  name: string;
  ownerId: number | null;
}

export interface RepLine {
  repName: string;
  atRisk: number;
  lapsed: number;
  wonBack: number;
  lost: number;
  revenueAtRiskMinor: number;
}

export interface WeeklyDigest {
  week: string | null;
  previousWeek: string | null;
  newlyAtRisk: DigestCustomer[];
  newlyLapsed: DigestCustomer[];
  wonBack: DigestCustomer[];
  lost: DigestCustomer[];
  tierMoves: { from: string; to: string; count: number }[];
  revenueAtRiskMinor: number;
  perRep: RepLine[];
  /** Oldest first, up to 12 weeks. */
  history: WeeklyCounts[];
  /** Activity per rep, books, neglected customers, why plans were lost (care-digest.ts). */
  care: CareDigest;
}

const HISTORY_WEEKS = 12;
const AT_RISK = ['at_risk', 'lapsed'];

/**
 * The week's churn picture from the score snapshots: this ISO week (in the reader's zone)
 * against the previous snapshot week, plus the win-back plans closed in the last 7 days.
 */
export async function buildWeeklyDigest(db: StoreHandle, scope: DigestScope, now: Date, zone: string): Promise<WeeklyDigest> {
  const store = createDigestStore(db);
  const team = scope.kind === 'team' ? scope.teamId : null;
  const { week, previousWeek } = await store.snapshotWeeks(isoWeekOf(localDateOf(now, zone)));
  const digest: WeeklyDigest = {
    week, previousWeek, newlyAtRisk: [], newlyLapsed: [], wonBack: [], lost: [], tierMoves: [], revenueAtRiskMinor: 0, perRep: [], history: [],
    care: await buildCareDigest(db, scope, now),
  };
  if (!week) return digest;

  const repNames = await store.repNames(team);
  const perRep = new Map<number | null, RepLine>();
  const lineFor = (ownerId: number | null) => {
    let line = perRep.get(ownerId);
    if (!line) {
      line = { repName: ownerId === null ? '' : (repNames.get(ownerId) ?? ''), atRisk: 0, lapsed: 0, wonBack: 0, lost: 0, revenueAtRiskMinor: 0 };
      perRep.set(ownerId, line);
    }
    return line;
  };
  const moves = new Map<string, number>();
  for (const row of await store.weekChanges(team, week, previousWeek)) {
    const customer = { id: row.id, name: row.name, ownerId: row.ownerId };
    if (AT_RISK.includes(row.lifecycle)) {
      const line = lineFor(row.ownerId);
      line.revenueAtRiskMinor += row.valueMinor;
      digest.revenueAtRiskMinor += row.valueMinor;
      if (row.lifecycle === 'at_risk') line.atRisk++;
      else line.lapsed++;
    }
    if (!previousWeek) continue;
    if (row.lifecycle === 'at_risk' && row.prevLifecycle !== 'at_risk') digest.newlyAtRisk.push(customer);
    if (row.lifecycle === 'lapsed' && row.prevLifecycle !== 'lapsed') digest.newlyLapsed.push(customer);
    if (row.prevTier && row.prevTier !== row.tier) {
      const key = `${row.prevTier}>${row.tier}`;
      moves.set(key, (moves.get(key) ?? 0) + 1);
    }
  }
  digest.tierMoves = [...moves].map(([key, count]) => {
    const [from, to] = key.split('>') as [string, string];
    return { from, to, count };
  }).sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));

  for (const { status, ...customer } of await store.closedPlans(team, now.getTime() - 7 * DAY_MS, now.getTime())) {
    if (status === 'won') {
      digest.wonBack.push(customer);
      lineFor(customer.ownerId).wonBack++;
    } else {
      digest.lost.push(customer);
      lineFor(customer.ownerId).lost++;
    }
  }
  digest.perRep = [...perRep.values()].sort((a, b) => b.revenueAtRiskMinor - a.revenueAtRiskMinor || a.repName.localeCompare(b.repName));
  digest.history = await store.history(team, week, HISTORY_WEEKS);
  return digest;
}

const LIST_LIMIT = 10;

/** What a digest is built for: whose customers, as of when, in the reader's zone and language (for the chart). */
export interface DigestRequest {
  scope: DigestScope;
  now: Date;
  timeZone: string;
  locale: Locale;
}

/** A digest with its chart drawn (none without history): plain data, so it crosses a thread as it is. */
export interface BuiltDigest {
  digest: WeeklyDigest;
  chart: Uint8Array | null;
}

/** Builds a digest somewhere: on the background worker in the bot (a big team's digest takes seconds, its chart a second). */
export type DigestBuilder = (request: DigestRequest) => Promise<BuiltDigest>;

/** Reads the digest and draws its chart, in the calling thread: the background worker's digest job. */
export async function buildDigestWithChart(db: StoreHandle, request: DigestRequest, renderChart: DigestChartRenderer): Promise<BuiltDigest> {
  const digest = await buildWeeklyDigest(db, request.scope, request.now, request.timeZone);
  const chart = digest.history.length > 0 ? await renderChart(digest.history, request.locale) : null;
  return { digest, chart };
}

/**
 * The weekly digest of a scope as a reply in the reader's language, with its chart: the one
 * way it is made, for the Monday nudge and for /digest alike.
 */
export async function weeklyDigestReply(
  build: DigestBuilder,
  scope: DigestScope,
  now: Date,
  reader: { t: Translate; locale: Locale; currency: string; timeZone: string },
): Promise<Reply> {
  const { digest, chart } = await build({ scope, now, timeZone: reader.timeZone, locale: reader.locale });
  return digestReply(digest, scope, reader, chart);
}

/** The digest as a neutral reply in the reader's language; the chart is attached when given. */
export function digestReply(
  digest: WeeklyDigest, scope: DigestScope, text: { t: Translate; locale: Locale; currency: string }, chart: Uint8Array | null,
): Reply {
  const { t, locale, currency } = text;
  const scopeName = scope.kind === 'team' ? scope.teamName : t('scheduler.digest.everyone');
  if (!digest.week) {
    return { visibility: 'private', blocks: [{ type: 'text', text: t('scheduler.digest.noScores') }] };
  }
  const names = (list: DigestCustomer[]) =>
    list.length === 0
      ? t('scheduler.digest.none')
      : list.slice(0, LIST_LIMIT).map((c) => c.name).join(', ') +
        (list.length > LIST_LIMIT ? ` ${t('scheduler.more', { count: list.length - LIST_LIMIT })}` : '');
  const count = (n: number) => formatNumber(n, locale);
  const blocks: Reply['blocks'] = [
    {
      type: 'card',
      title: t('scheduler.digest.title', { week: digest.week }),
      subtitle: digest.previousWeek ? t('scheduler.digest.scope', { scope: scopeName, previous: digest.previousWeek }) : scopeName,
      sections: [{ fields: [
        { label: `${t('scheduler.digest.newlyAtRisk')} (${count(digest.newlyAtRisk.length)})`, value: names(digest.newlyAtRisk) },
        { label: `${t('scheduler.digest.newlyLapsed')} (${count(digest.newlyLapsed.length)})`, value: names(digest.newlyLapsed) },
        { label: `${t('scheduler.digest.wonBack')} (${count(digest.wonBack.length)})`, value: names(digest.wonBack) },
        { label: `${t('scheduler.digest.lost')} (${count(digest.lost.length)})`, value: names(digest.lost) },
        { label: t('scheduler.digest.revenueAtRisk'), value: formatMoney(digest.revenueAtRiskMinor, locale, currency) },
        {
          label: t('scheduler.digest.tierMoves'),
          value:
            digest.tierMoves.length === 0
              ? t('scheduler.digest.noTierMoves')
              : digest.tierMoves.map((m) => `${m.from}→${m.to} ${count(m.count)}`).join(' · '),
        },
      ] }],
      ...(digest.previousWeek ? {} : { footer: t('scheduler.digest.noHistory') }),
    },
  ];
  if (digest.perRep.length > 0) {
    blocks.push({
      type: 'table',
      title: t('scheduler.digest.perRep'),
      columns: [
        t('scheduler.digest.rep'), t('scheduler.digest.atRisk'), t('scheduler.digest.lapsed'), t('scheduler.digest.wonBack'),
        t('scheduler.digest.lost'), t('scheduler.digest.revenueAtRisk'),
      ],
      rows: digest.perRep.map((line) => [
        line.repName || t('scheduler.digest.unowned'), count(line.atRisk), count(line.lapsed), count(line.wonBack), count(line.lost),
        formatMoney(line.revenueAtRiskMinor, locale, currency),
      ]),
    });
  }
  blocks.push(...careDigestBlocks(digest.care, text));
  if (chart) blocks.push({ type: 'image', png: chart, alt: t('scheduler.digest.chartAlt'), fileName: `churn-${digest.week}.png` });
  return { visibility: 'private', blocks };
}
