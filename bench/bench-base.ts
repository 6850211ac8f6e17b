/**
 * The generated customer base the benches share: customers (optionally in two teams of reps,
 * with names, contact data, regions, tags and birthdays), their orders (with products and
 * categories that are bought together in baskets, so cross-selling has something to find), their
 * logged contacts, and optionally a synthetic week of scores. Raw prepared inserts in one
 * transaction: Prisma or the demo generator would take minutes at a million customers. The
 * triggers and indexes are the production ones.
 */
import type { Sqlite } from '../src/db/database.js';
import { categoryKey } from '../src/domain/analytics/cross-sell.js';
import { exponential, intBetween, logNormal, pick, seededRandom, type Random } from '../src/domain/random.js';
import { TIERS } from '../src/domain/tier.js';
import { snapshotWeekOf } from '../src/scoring/recompute.js';

const DAY_MS = 86_400_000;
/** The scores' "bought lately": the default RFM window. */
const YEAR_MS = 365 * DAY_MS;

/** Categories bought together: a customer mostly buys within one basket, now and then from another. */
const BASKETS: readonly (readonly (readonly [string, string])[])[] = [
  [['精华液', '护肤'], ['面霜', '护肤'], ['口红', '彩妆'], ['粉底液', '彩妆']],
  [['香水', '香氛'], ['香薰蜡烛', '香氛'], ['护发素', '洗护'], ['洗发水', '洗护']],
  [['Espresso machine', 'Machines'], ['Grinder', 'Machines'], ['Coffee beans 1 kg', 'Coffee'], ['Descaler pack', 'Maintenance']],
  [['Green tea', 'Tea'], ['Teapot', 'Teaware'], ['Tea cups', 'Teaware'], ['Oolong', 'Tea']],
];
export const BENCH_CATEGORIES = [...new Set(BASKETS.flat().map(([, category]) => category))];
export const BENCH_REGIONS = ['上海', '杭州', '苏州', '南京', '宁波', '北京', '深圳', '广州', 'Berlin', 'Hamburg', 'München', 'Leipzig'];
/** vip is a small tag (5%), the interests are large ones. */
export const BENCH_TAGS = ['coffee', 'skincare', 'tea', 'gifts', 'events', '18-25', '26-35', '36-45', '46-60', '60+'];

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
const GIVEN = ['芳', '伟', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋', '艳', '勇', '杰', '娟', '涛', '明', '超', '秀兰', '霞', '平', '婷婷', '晓燕', '志强', '欣怡'];
const FIRST = ['Emma', 'Liam', 'Olivia', 'Noah', 'Sophia', 'Lukas', 'Mia', 'Felix', 'Hannah', 'Jonas', 'Lena', 'Paul', 'Clara', 'Ben', 'Emily', 'David'];
const LAST = ['Müller', 'Schmidt', 'Fischer', 'Wagner', 'Becker', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Smith', 'Brown', 'Taylor', 'Keller'];
export const BENCH_NAMES = { SURNAMES, GIVEN, FIRST, LAST };

/** Lifecycle stages with their share of a synthetic week of scores. */
const LIFECYCLES: readonly (readonly [string, number])[] = [
  ['active', 0.4], ['new', 0.1], ['at_risk', 0.15], ['lapsed', 0.17], ['won_back', 0.03], ['lost', 0.05], ['prospect', 0.1],
];
const LONG_TAILS = ['head', 'frequent-small', 'rare-large', 'long-tail'];

export interface BenchBaseOptions {
  customers: number;
  asOf: Date;
  /** Orders of customer i (spread back over `spanDays` from a last purchase within it). */
  ordersOf: (random: Random, i: number) => number;
  spanDays: number;
  /** Two teams (Shanghai, Berlin), an admin and this many reps owning the customers; 0: no teams, customers unowned. */
  reps?: number;
  /** Names, emails and phones people look customers up by; else `Bench <i>`. */
  people?: boolean;
  /** Regions, tags and birthdays, for segments. */
  segments?: boolean;
  /** Logged contacts of customer i. */
  interactionsOf?: (random: Random, i: number) => number;
  /** A synthetic week of scores (tiers, stages, long tail, low profit, value at stake), for the list without a scoring run. */
  scores?: boolean;
  seed?: number;
}

export interface BenchPerson {
  externalId: string;
  name: string;
  email: string;
  phone: string;
}

/** The person customer i is (when `people`): the same on every run. */
export function benchPerson(i: number, random: Random): BenchPerson {
  const chinese = i % 3 !== 1;
  const name = chinese ? `${pick(random, SURNAMES)}${pick(random, GIVEN)}` : `${pick(random, FIRST)} ${pick(random, LAST)}`;
  const phone = chinese ? `+861${intBetween(random, 3, 9)}${String(i).padStart(9, '0')}` : `+4915${intBetween(random, 1, 9)}${String(i).padStart(8, '0')}`;
  return { externalId: `C${String(i + 1).padStart(7, '0')}`, name, email: `c${i}@${chinese ? 'example.cn' : 'example.de'}`, phone };
}

export function seedBenchBase(sqlite: Sqlite, options: BenchBaseOptions): { orders: number; interactions: number } {
  const random = seededRandom(options.seed ?? 42);
  const now = options.asOf.getTime();
  const reps = options.reps ?? 0;
  let orders = 0;
  let interactions = 0;
  sqlite.transaction(() => {
    if (reps > 0) {
      sqlite.prepare("INSERT INTO Team (id, name, timeZone, locale, settings, createdAt) VALUES (1, 'Shanghai', 'Asia/Shanghai', 'zh-CN', '{}', 0), (2, 'Berlin', 'Europe/Berlin', 'en', '{}', 0)").run();
      const rep = sqlite.prepare('INSERT INTO Rep (id, email, name, role, teamId, agendaHour, active, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, 9, 1, 0, 0)');
      rep.run(1, 'admin@bench', 'Admin', 'admin', 1);
      for (let r = 0; r < reps; r++) rep.run(2 + r, `rep${r}@bench`, `Rep ${r}`, r === 0 ? 'manager' : 'rep', r % 3 === 1 ? 2 : 1);
    }
    const customer = sqlite.prepare(`INSERT INTO Customer (id, externalId, name, email, phone, region, tags, birthdayMonth, birthdayDay, birthdayYear,
        ownerId, greetingOptOut, status, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'none', ?, ?)`);
    const order = sqlite.prepare(
      'INSERT INTO "Order" (customerId, orderedAt, amountMinor, marginMinor, product, category, createdAt) VALUES (?, ?, ?, ?, ?, ?, 0)',
    );
    const interaction = sqlite.prepare("INSERT INTO Interaction (customerId, repId, kind, at, text, satisfaction, createdAt) VALUES (?, ?, ?, ?, ?, ?, 0)");
    const score = sqlite.prepare(`INSERT INTO ScoreSnapshot (customerId, week, computedAt, asOf, frequency, monetaryMinor, lifetimeMinor, orderCount,
        rScore, fScore, mScore, tier, valueBand, longTail, lowMargin, lifecycle, clv12Minor, churnRisk, churnReason, atStakeMinor, categories)
      VALUES (?, ?, ?, ?, 1, 10000, 20000, 2, 3, 3, 3, ?, 'mid', ?, ?, ?, ?, ?, '{"code":"on_rhythm","daysSinceLast":12,"typicalIntervalDays":30,"purchaseDays":2}', ?, ?)`);
    const week = snapshotWeekOf(options.asOf);
    for (let i = 0; i < options.customers; i++) {
      const id = i + 1;
      const person = options.people ? benchPerson(i, random) : { externalId: `B${id}`, name: `Bench ${id}`, email: null, phone: null };
      const ownerId = reps > 0 ? 2 + (i % reps) : null;
      const segments = options.segments ? segmentsOf(random) : { region: null, tags: '', month: null, day: null, year: null };
      customer.run(id, person.externalId, person.name, person.email, person.phone, segments.region, segments.tags, segments.month, segments.day, segments.year, ownerId, now, now);
      const count = options.ordersOf(random, i);
      const basket = pick(random, BASKETS);
      const spacing = options.spanDays / Math.max(count, 1);
      let at = now - Math.floor(random() * options.spanDays) * DAY_MS;
      const lately = new Set<string>();
      for (let k = 0; k < count; k++) {
        const [product, category] = random() < 0.9 ? pick(random, basket) : pick(random, pick(random, BASKETS));
        const amount = Math.round(logNormal(random, 8_000, 0.8));
        order.run(id, at, amount, Math.round(amount * random() * 0.4), product, category);
        if (now - at <= YEAR_MS) lately.add(categoryKey(category));
        at -= Math.ceil(exponential(random, spacing)) * DAY_MS;
        orders++;
      }
      const contacts = options.interactionsOf?.(random, i) ?? 0;
      for (let k = 0; k < contacts; k++) {
        const kind = pick(random, ['call', 'visit', 'message', 'email', 'note', 'complaint'] as const);
        interaction.run(id, ownerId, kind, now - Math.floor(random() * options.spanDays) * DAY_MS, 'Talked about the next order and the new season', kind === 'call' ? intBetween(random, 1, 5) : null);
        interactions++;
      }
      if (options.scores) {
        const lifecycle = weighted(random, LIFECYCLES);
        const risk = lifecycle === 'prospect' ? null : lifecycle === 'lost' ? 1 : random();
        const clv = Math.round(logNormal(random, 50_000, 1));
        const categories = lately.size > 0 ? `|${[...lately].join('|')}|` : '';
        score.run(id, week, now, now, pick(random, TIERS), lifecycle === 'prospect' ? 'none' : pick(random, LONG_TAILS), random() < 0.1 ? 1 : 0, lifecycle, clv, risk, Math.round(clv * (risk ?? 0)), categories);
      }
    }
  })();
  return { orders, interactions };
}

function segmentsOf(random: Random): { region: string; tags: string; month: number | null; day: number | null; year: number | null } {
  const tags = [pick(random, BENCH_TAGS), ...(random() < 0.05 ? ['vip'] : [])];
  const born = random() < 0.7;
  return {
    region: pick(random, BENCH_REGIONS),
    tags: tags.join(','),
    month: born ? intBetween(random, 1, 12) : null,
    day: born ? intBetween(random, 1, 28) : null,
    year: born && random() < 0.8 ? intBetween(random, 1950, 2006) : null,
  };
}

function weighted(random: Random, choices: readonly (readonly [string, number])[]): string {
  let roll = random();
  for (const [value, share] of choices) {
    roll -= share;
    if (roll < 0) return value;
  }
  return choices.at(-1)![0];
}
