import type { Block } from '../commands/reply.js';
import type { Sqlite } from '../db/database.js';
import { loadTeamSettingsSync } from '../db/team-settings.js';
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
export function buildCareDigest(sqlite: Sqlite, scope: { kind: 'team'; teamId: number } | { kind: 'all' }, now: Date): CareDigest {
  const weekAgo = now.getTime() - 7 * DAY_MS;
  const t = now.getTime();
  const teamId = scope.kind === 'team' ? Number(scope.teamId) : null;
  const repScope = teamId === null ? '' : `AND r.teamId = ${teamId}`;
  // Per-rep counts read the team's reps' rows only (through the ownerId indexes), never the whole table.
  const ownedInScope = (ownerId = 'ownerId') => (teamId === null ? '' : `AND ${ownerId} IN (SELECT id FROM Rep WHERE teamId = ${teamId})`);
  const reps = sqlite.prepare(`SELECT r.id, r.name, r.active FROM Rep r WHERE r.role <> 'admin' ${repScope} ORDER BY r.name, r.id`).all() as { id: number; name: string; active: number }[];
  const count = (sql: string, ...params: unknown[]) => new Map((sqlite.prepare(sql).all(...params) as { id: number; n: number }[]).map((row) => [row.id, row.n]));
  const books = new Map<number, Record<string, number>>();
  const bookRows = sqlite
    .prepare(`SELECT c.ownerId AS id, COALESCE(s.tier, '-') AS tier, COUNT(*) AS n FROM Customer c
      LEFT JOIN ScoreSnapshot s ON s.customerId = c.id AND s.week = (SELECT MAX(week) FROM ScoreSnapshot)
      WHERE c.ownerId IS NOT NULL ${ownedInScope('c.ownerId')} GROUP BY c.ownerId, tier`)
    .all() as { id: number; tier: string; n: number }[];
  for (const row of bookRows) books.set(row.id, { ...books.get(row.id), [row.tier]: row.n });
  const done = count(`SELECT ownerId AS id, COUNT(*) AS n FROM Callback WHERE status = 'done' AND completedAt > ? AND completedAt <= ? ${ownedInScope()} GROUP BY ownerId`, weekAgo, t);
  // An untimed callback is overdue once its day has passed (a day of slack), a timed one once its minute has.
  const overdue = count(`SELECT ownerId AS id, COUNT(*) AS n FROM Callback WHERE status = 'open'
    AND ((timed = 1 AND dueAt < ?) OR (timed = 0 AND dueAt < ?)) ${ownedInScope()} GROUP BY ownerId`, t, t - DAY_MS);
  const checkInsDue = count(`SELECT ownerId AS id, COUNT(*) AS n FROM Callback WHERE source = 'cadence' AND dueAt > ? AND dueAt <= ? ${ownedInScope()} GROUP BY ownerId`, weekAgo, t);
  const checkInsKept = count(`SELECT ownerId AS id, COUNT(*) AS n FROM Callback WHERE source = 'cadence' AND dueAt > ? AND dueAt <= ? AND status = 'done' ${ownedInScope()} GROUP BY ownerId`, weekAgo, t);
  const opened = count(`SELECT ownerId AS id, COUNT(*) AS n FROM Ticket WHERE openedAt > ? AND openedAt <= ? ${ownedInScope()} GROUP BY ownerId`, weekAgo, t);
  const resolved = count(`SELECT ownerId AS id, COUNT(*) AS n FROM Ticket WHERE resolvedAt > ? AND resolvedAt <= ? ${ownedInScope()} GROUP BY ownerId`, weekAgo, t);
  const breached = count(`SELECT ownerId AS id, COUNT(*) AS n FROM Ticket WHERE deadline > ? AND deadline <= ?
    AND (status = 'open' OR resolvedAt > deadline) ${ownedInScope()} GROUP BY ownerId`, weekAgo, t);
  const ratings = new Map(
    (sqlite.prepare(`SELECT c.ownerId AS id, AVG(i.satisfaction) AS average FROM Interaction i JOIN Customer c ON c.id = i.customerId
      WHERE i.satisfaction IS NOT NULL AND i.at > ? AND i.at <= ? ${ownedInScope('c.ownerId')} GROUP BY c.ownerId`).all(weekAgo, t) as { id: number; average: number }[]).map((r) => [r.id, r.average]),
  );
  const activity = reps
    .map((rep): RepActivity => ({
      repName: rep.name,
      active: rep.active === 1,
      book: books.get(rep.id) ?? {},
      callbacksDone: done.get(rep.id) ?? 0,
      callbacksOverdue: overdue.get(rep.id) ?? 0,
      checkInsDue: checkInsDue.get(rep.id) ?? 0,
      checkInsKept: checkInsKept.get(rep.id) ?? 0,
      complaintsOpened: opened.get(rep.id) ?? 0,
      complaintsResolved: resolved.get(rep.id) ?? 0,
      complaintsBreached: breached.get(rep.id) ?? 0,
      satisfaction: ratings.get(rep.id) ?? null,
    }))
    // Inactive reps only while they still hold customers or something happened.
    .filter((line) => line.active || Object.keys(line.book).length > 0);

  // One pass counts every match (the window) and hands over only the first few names: a big book never reaches JavaScript row by row.
  const names = (from: string, orderBy: string, ...params: unknown[]) => {
    const rows = sqlite.prepare(`SELECT c.name, COUNT(*) OVER () AS total ${from} ORDER BY ${orderBy} LIMIT ${NAMES_SHOWN}`).all(...params) as { name: string; total: number }[];
    return { count: rows[0]?.total ?? 0, names: rows.map((row) => row.name) };
  };
  // A team's digest sees its inactive reps' customers; customers with no owner at all belong to no team: the all-teams digest shows them.
  const orphaned = teamId === null
    ? names('FROM Customer c LEFT JOIN Rep r ON r.id = c.ownerId WHERE r.id IS NULL OR r.active = 0', 'c.name, c.id')
    : names(`FROM Rep r JOIN Customer c ON c.ownerId = r.id WHERE r.active = 0 ${repScope}`, 'c.name, c.id');
  const neglected = names(
    `FROM ${teamId !== null && readFromTeam(sqlite, teamId) ? 'Rep r CROSS JOIN Customer c ON c.ownerId = r.id CROSS JOIN ScoreSnapshot s ON s.customerId = c.id'
      : 'ScoreSnapshot s JOIN Customer c ON c.id = s.customerId JOIN Rep r ON r.id = c.ownerId'}
     WHERE s.week = (SELECT MAX(week) FROM ScoreSnapshot) AND s.tier IN ('A', 'B') AND c.status <> 'lost' ${repScope}
       AND c.lastTouchAt + 2 * ${cadenceMsSql(sqlite)} < ?`,
    'c.lastTouchAt, c.id',
    t,
  );
  const lostReasons = Object.fromEntries([...WINBACK_REASONS, 'awaiting'].map((reason) => [reason, 0]));
  const closed = sqlite
    .prepare(`SELECT COALESCE(e.reason, 'awaiting') AS reason, COUNT(*) AS n FROM WinbackEpisode e JOIN Customer c ON c.id = e.customerId
      LEFT JOIN Rep r ON r.id = c.ownerId WHERE e.status IN ('lost', 'given_up') AND e.closedAt > ? AND e.closedAt <= ? ${repScope} GROUP BY reason`)
    .all(weekAgo, t) as { reason: string; n: number }[];
  for (const row of closed) lostReasons[row.reason] = (lostReasons[row.reason] ?? 0) + row.n;
  return { reps: activity, orphaned, neglected, lostReasons };
}

/**
 * Whether a team's customers are best read from its reps outward (CROSS JOIN fixes SQLite's
 * join order; it has no statistics to choose by): yes unless the team holds most customers,
 * when the week's snapshots, read in index order, are the shorter way (measured on 100k in one
 * team: 2–3 times faster; a tenth of the customers in the team: the team's way is, and it
 * grows with the team alone).
 */
export function readFromTeam(sqlite: Sqlite, teamId: number): boolean {
  const team = sqlite.prepare('SELECT COUNT(*) FROM Customer WHERE ownerId IN (SELECT id FROM Rep WHERE teamId = ?)').pluck().get(teamId) as number;
  const everyone = sqlite.prepare('SELECT COUNT(*) FROM Customer').pluck().get() as number;
  return team * 2 < everyone;
}

/** Each A/B customer's check-in interval in ms by its owner's team (`r`) and tier (`s`): parsed settings as literal integers. */
function cadenceMsSql(sqlite: Sqlite): string {
  const teams = loadTeamSettingsSync(sqlite);
  const byTier = (teamId: number | null) => {
    const days = teams.of(teamId).schedule.cadenceDays;
    return `CASE s.tier WHEN 'A' THEN ${days.A * DAY_MS} ELSE ${days.B * DAY_MS} END`;
  };
  // SQL's CASE needs a WHEN: with no team yet (the first day) every customer has the defaults.
  if (teams.teamIds.length === 0) return `(${byTier(null)})`;
  return `(CASE r.teamId ${teams.teamIds.map((id) => `WHEN ${Number(id)} THEN ${byTier(id)}`).join(' ')} ELSE ${byTier(null)} END)`;
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
