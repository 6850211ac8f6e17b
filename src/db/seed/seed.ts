import { DAY_MS } from '../../domain/calendar.js';
import { refreshCheckIns } from '../check-ins.js';
import type { Sqlite } from '../database.js';
import { DEMO_TEAMS, demoCustomer, demoReps, type DemoOptions } from './demo-data.js';

export interface SeedReport {
  teams: number;
  reps: number;
  customers: number;
  orders: number;
  interactions: number;
  callbacks: number;
  elapsedMs: number;
}

/** Empty means nobody has put anything in yet: no teams, reps or customers. */
export function isDatabaseEmpty(sqlite: Sqlite): boolean {
  // EXISTS, not COUNT(*): counting a million customers at every start costs ~0.1 s.
  const any = sqlite
    .prepare('SELECT EXISTS (SELECT 1 FROM Team) OR EXISTS (SELECT 1 FROM Rep) OR EXISTS (SELECT 1 FROM Customer)')
    .pluck()
    .get() as number;
  return any === 0;
}

/**
 * Writes the demo dataset in one transaction with prepared statements (the bulk path: an
 * ORM insert per row would take minutes at 100k customers). Refuses a non-empty database.
 */
export function seedDemoData(sqlite: Sqlite, options: DemoOptions): SeedReport {
  if (!isDatabaseEmpty(sqlite)) throw new Error('The database already has data; seed only an empty database');
  const started = performance.now();
  const now = options.asOf.getTime();
  const insertTeam = sqlite.prepare(
    'INSERT INTO Team (name, timeZone, locale, settings, createdAt) VALUES (?, ?, ?, ?, ?)',
  );
  const insertRep = sqlite.prepare(
    'INSERT INTO Rep (email, name, role, teamId, locale, timeZone, agendaHour, active, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, 9, 1, ?, ?)',
  );
  const insertCustomer = sqlite.prepare(`INSERT INTO Customer
    (externalId, name, email, phone, birthdayMonth, birthdayDay, birthdayYear, timeZone, region, tags, ownerId,
     greetingOptOut, status, createdAt, updatedAt)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'none', ?, ?)`);
  const insertOrder = sqlite.prepare(
    'INSERT INTO "Order" (externalId, customerId, orderedAt, amountMinor, marginMinor, product, category, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertInteraction = sqlite.prepare(
    'INSERT INTO Interaction (customerId, repId, kind, at, text, satisfaction, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertCallback = sqlite.prepare(
    "INSERT INTO Callback (customerId, ownerId, dueAt, timed, note, status, source, createdAt) VALUES (?, ?, ?, 1, ?, 'open', 'manual', ?)",
  );
  const report: SeedReport = { teams: 0, reps: 0, customers: 0, orders: 0, interactions: 0, callbacks: 0, elapsedMs: 0 };

  sqlite.transaction(() => {
    const teamIds = new Map<string, number>();
    for (const team of DEMO_TEAMS) {
      teamIds.set(team.key, Number(insertTeam.run(team.name, team.timeZone, team.locale, '{}', now).lastInsertRowid));
      report.teams++;
    }
    const reps = demoReps(options.customers);
    const repIds = new Map<string, number>();
    for (const rep of reps) {
      const id = insertRep.run(rep.email, rep.name, rep.role, teamIds.get(rep.team)!, rep.locale, rep.timeZone, now, now).lastInsertRowid;
      repIds.set(rep.email, Number(id));
      report.reps++;
    }
    for (let i = 0; i < options.customers; i++) {
      const c = demoCustomer(i, options, reps);
      const ownerId = repIds.get(c.ownerEmail)!;
      const customerId = Number(
        insertCustomer.run(
          c.externalId, c.name, c.email, c.phone, c.birthday?.month ?? null, c.birthday?.day ?? null,
          c.birthday?.year ?? null, c.timeZone, c.region, c.tags.join(','), ownerId, c.greetingOptOut ? 1 : 0, now, now,
        ).lastInsertRowid,
      );
      report.customers++;
      for (const o of c.orders) {
        insertOrder.run(o.externalId, customerId, o.orderedAt, o.amountMinor, o.marginMinor, o.product, o.category, now);
        report.orders++;
      }
      for (const x of c.interactions) {
        insertInteraction.run(customerId, ownerId, x.kind, x.at, x.text, x.satisfaction, now);
        report.interactions++;
      }
      if (c.callbackInDays !== null) {
        const due = startOfUtcDay(now) + c.callbackInDays * DAY_MS + 10 * 3_600_000;
        insertCallback.run(customerId, ownerId, due, 'Follow up on last order', now);
        report.callbacks++;
      }
    }
    refreshCheckIns(sqlite, 'all');
  })();
  report.elapsedMs = performance.now() - started;
  return report;
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
