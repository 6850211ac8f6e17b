/**
 * A million customers for the lookup-path benches (lookup, discord): 2,000 reps in two teams
 * (rep0 a manager), Chinese and German names, each customer with two orders and a score row.
 * Written with raw prepared inserts (the demo generator's orders would take minutes at this
 * size); the name-search triggers and indexes are the production ones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database, type Sqlite } from '../src/db/database.js';
import { intBetween, pick, seededRandom } from '../src/domain/random.js';

export const REPS = 2000;
export const NOW = new Date('2026-11-23T01:30:00Z');
const DAY = 86_400_000;

export const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
export const GIVEN = ['芳', '伟', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋', '艳', '勇', '杰', '娟', '涛', '明', '超', '秀兰', '霞', '平', '婷婷', '晓燕', '志强', '欣怡'];
export const FIRST = ['Emma', 'Liam', 'Olivia', 'Noah', 'Sophia', 'Lukas', 'Mia', 'Felix', 'Hannah', 'Jonas', 'Lena', 'Paul', 'Clara', 'Ben', 'Emily', 'David'];
export const LAST = ['Müller', 'Schmidt', 'Fischer', 'Wagner', 'Becker', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Smith', 'Brown', 'Taylor', 'Keller'];

export interface CustomerRow {
  externalId: string;
  name: string;
  email: string;
  phone: string;
  ownerId: number;
}

function customer(i: number, random: () => number): CustomerRow {
  const chinese = i % 3 !== 1;
  const name = chinese ? `${pick(random, SURNAMES)}${pick(random, GIVEN)}` : `${pick(random, FIRST)} ${pick(random, LAST)}`;
  const phone = chinese ? `+861${intBetween(random, 3, 9)}${String(i).padStart(9, '0')}` : `+4915${intBetween(random, 1, 9)}${String(i).padStart(8, '0')}`;
  return { externalId: `C${String(i + 1).padStart(7, '0')}`, name, email: `c${i}@${chinese ? 'example.cn' : 'example.de'}`, phone, ownerId: 2 + (i % REPS) };
}

function seed(sqlite: Sqlite, customers: number): void {
  const random = seededRandom(7);
  sqlite.transaction(() => {
    sqlite.prepare("INSERT INTO Team (id, name, timeZone, locale, settings, createdAt) VALUES (1, 'Shanghai', 'Asia/Shanghai', 'zh-CN', '{}', 0), (2, 'Berlin', 'Europe/Berlin', 'en', '{}', 0)").run();
    const rep = sqlite.prepare('INSERT INTO Rep (id, email, name, role, teamId, agendaHour, active, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, 9, 1, 0, 0)');
    rep.run(1, 'admin@bench', 'Admin', 'admin', 1);
    for (let r = 0; r < REPS; r++) rep.run(2 + r, `rep${r}@bench`, `Rep ${r}`, r === 0 ? 'manager' : 'rep', r % 3 === 1 ? 2 : 1);
    const insert = sqlite.prepare(`INSERT INTO Customer (externalId, name, email, phone, tags, ownerId, greetingOptOut, status, createdAt, updatedAt)
      VALUES (?, ?, ?, ?, '', ?, 0, 'none', 0, 0)`);
    const order = sqlite.prepare('INSERT INTO "Order" (customerId, orderedAt, amountMinor, createdAt) VALUES (?, ?, ?, 0)');
    const score = sqlite.prepare(`INSERT INTO ScoreSnapshot (customerId, week, computedAt, asOf, frequency, monetaryMinor, lifetimeMinor, orderCount,
      rScore, fScore, mScore, tier, valueBand, lifecycle, churnRisk, churnReason) VALUES (?, '2026-W48', 0, 0, 1, 10000, 20000, 2, 3, 3, 3, 'B', 'mid', 'active', 0.2, '{"code":"rhythm","typicalDays":30,"daysSince":12}')`);
    for (let i = 0; i < customers; i++) {
      const c = customer(i, random);
      const id = Number(insert.run(c.externalId, c.name, c.email, c.phone, c.ownerId).lastInsertRowid);
      order.run(id, NOW.getTime() - intBetween(random, 1, 400) * DAY, intBetween(random, 1000, 90000));
      order.run(id, NOW.getTime() - intBetween(random, 1, 400) * DAY, intBetween(random, 1000, 90000));
      score.run(id);
    }
  })();
}

export interface MillionCustomers {
  db: Database;
  customers: number;
  /** A random stored customer, read back to query by its own keys. */
  randomCustomer(random: () => number): CustomerRow;
  close(): Promise<void>;
}

/** A temporary database with `customers` customers (and reps, orders, scores), analysed; `label` names the bench in the seeding line. */
export async function millionCustomers(label: string, customers: number): Promise<MillionCustomers> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rapport-${label}-bench-`));
  const db = await openDatabase(`file:${path.join(dir, 'bench.db')}`);
  const started = performance.now();
  seed(db.sqlite, customers);
  db.sqlite.exec('ANALYZE');
  process.stdout.write(`${label}: seeded ${customers.toLocaleString('en')} customers, ${(2 * customers).toLocaleString('en')} orders in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  const byId = db.sqlite.prepare('SELECT externalId, name, email, phone, ownerId FROM Customer WHERE id = ?');
  return {
    db,
    customers,
    randomCustomer: (random) => byId.get(intBetween(random, 1, customers)) as CustomerRow,
    async close() {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
