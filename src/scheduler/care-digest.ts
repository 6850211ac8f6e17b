import type { Block } from '../commands/reply.js';
import { createDigestStore } from '../db/stores/digest-store.js';
import type { StoreHandle } from '../db/stores/store.js';
import { loadTeamSettings } from '../db/team-settings.js';
import { DAY_MS } from '../domain/calendar.js';
import { WINBACK_REASONS } from '../domain/schedule/winback.js';
import { TIERS } from '../domain/tier.js';
import { formatNumber, type Locale, type Translate } from '../i18n/index.js';

export interface RepActivity {
  repName: string;
  active: boolean;
  /** Book size by tier (unscored under '-'). */
  book: Record<string, number>;
  callbacksDone: number;
  callbacksOverdue: number;
  checkInsDue: number;
  checkInsKept: number;
  complaintsOpened: number;
  complaintsResolved: number;
  complaintsBreached: number;
  /** Average rating of the week on the rep's customers, null when none. */
  satisfaction: number | null;
}

export interface CareDigest {
  reps: RepActivity[];
  /** Customers whose owner is inactive or missing (分户管理: nobody looks after them). */
  orphaned: { count: number; names: string[] };
  /** A/B customers whose check-in is overdue by more than one interval. */
  neglected: { count: number; names: string[] };
  /** Why the week's lost and given-up plans failed; `awaiting`: no reason picked yet. */
  lostReasons: Record<string, number>;
}

const NAMES_SHOWN = 5;

/**
 * The digest's care part (issue 17): per rep the week's activity (callbacks done and overdue,
 * check-ins kept, complaints opened, resolved and breached, average rating) with book size and
 * tier mix; the customers nobody looks after; why lost plans were lost.
 */
export async function buildCareDigest(db: StoreHandle, scope: { kind: 'team'; teamId: number } | { kind: 'all' }, now: Date): Promise<CareDigest> {
  const store = createDigestStore(db);
  const t = now.getTime();
  const weekAgo = t - 7 * DAY_MS;
  const team = scope.kind === 'team' ? scope.teamId : null;
  const reps = await store.careReps(team);
  const counts = await store.careCounts(team, weekAgo, t);
  const activity = reps
    .map((rep): RepActivity => ({
      repName: rep.name,
      active: rep.active,
      book: counts.books.get(rep.id) ?? {},
      callbacksDone: counts.callbacksDone.get(rep.id) ?? 0,
      callbacksOverdue: counts.callbacksOverdue.get(rep.id) ?? 0,
      checkInsDue: counts.checkInsDue.get(rep.id) ?? 0,
      checkInsKept: counts.checkInsKept.get(rep.id) ?? 0,
      complaintsOpened: counts.complaintsOpened.get(rep.id) ?? 0,
      complaintsResolved: counts.complaintsResolved.get(rep.id) ?? 0,
      complaintsBreached: counts.complaintsBreached.get(rep.id) ?? 0,
      satisfaction: counts.satisfaction.get(rep.id) ?? null,
    }))
    // Inactive reps only while they still hold customers or something happened.
    .filter((line) => line.active || Object.keys(line.book).length > 0);

  const orphaned = await store.orphaned(team, NAMES_SHOWN);
  const neglected = await store.neglected(team, t, await loadTeamSettings(db), NAMES_SHOWN);
  const lostReasons = Object.fromEntries([...WINBACK_REASONS, 'awaiting'].map((reason) => [reason, 0]));
  for (const row of await store.lostReasons(team, weekAgo, t)) lostReasons[row.reason] = (lostReasons[row.reason] ?? 0) + row.n;
  return { reps: activity, orphaned, neglected, lostReasons };
}

/** The care blocks of the digest, in the reader's language. */
export function careDigestBlocks(digest: CareDigest, text: { t: Translate; locale: Locale }): Block[] {
  const { t, locale } = text;
  const n = (value: number) => formatNumber(value, locale);
  const blocks: Block[] = [];
  if (digest.reps.length > 0) {
    blocks.push({
      type: 'table',
      title: t('scheduler.digest.care.activity'),
      columns: [
        t('scheduler.digest.rep'), t('scheduler.digest.care.book'), t('scheduler.digest.care.callbacks'), t('scheduler.digest.care.checkIns'),
        t('scheduler.digest.care.complaints'), t('scheduler.digest.care.satisfaction'),
      ],
      rows: digest.reps.map((rep) => [
        rep.active ? rep.repName : t('scheduler.digest.care.inactive', { rep: rep.repName }),
        `${n(Object.values(rep.book).reduce((a, b) => a + b, 0))} (${[...TIERS, '-'].filter((tier) => rep.book[tier]).map((tier) => `${tier} ${n(rep.book[tier]!)}`).join(' · ') || '—'})`,
        t('scheduler.digest.care.callbacksValue', { done: n(rep.callbacksDone), overdue: n(rep.callbacksOverdue) }),
        rep.checkInsDue === 0 ? '—' : `${n(rep.checkInsKept)}/${n(rep.checkInsDue)}`,
        t('scheduler.digest.care.complaintsValue', { opened: n(rep.complaintsOpened), resolved: n(rep.complaintsResolved), breached: n(rep.complaintsBreached) }),
        rep.satisfaction === null ? '—' : formatNumber(rep.satisfaction, locale, 1),
      ]),
    });
  }
  const list = (found: { count: number; names: string[] }) =>
    found.count === 0 ? t('scheduler.digest.none') : `${n(found.count)}: ${found.names.join(', ')}${found.count > found.names.length ? ' …' : ''}`;
  blocks.push({
    type: 'card',
    title: t('scheduler.digest.care.attention'),
    sections: [{
      fields: [
        { label: t('scheduler.digest.care.orphaned'), value: list(digest.orphaned) },
        { label: t('scheduler.digest.care.neglected'), value: list(digest.neglected) },
        {
          label: t('scheduler.digest.care.lostReasons'),
          value: Object.entries(digest.lostReasons).filter(([, count]) => count > 0).map(([reason, count]) => `${t(`scheduler.digest.care.reasons.${reason}`)} ${n(count)}`).join(' · ') || t('scheduler.digest.none'),
        },
      ],
    }],
  });
  return blocks;
}
