/**
 * Customer lookup through the command layer on 1,000,000 customers: the dispatcher resolves
 * the asker, searches within their book, renders the card (or the list, or the "did you
 * mean") and writes the audit row — the whole path a chat command takes; then autocomplete,
 * `/customer list` with two segment filters, and `/customer history`, on the same base
 * (bench/million-customers.ts, where every 1000th customer has a long history).
 * With TEST_POSTGRES_URL, the same parts again on PostgreSQL over the same rows (copied with
 * COPY, bench/postgres-copy.ts), each engine beside its own raw indexed selects.
 */
import { ManualClock } from '../src/clock.js';
import type { App } from '../src/commands/app.js';
import { createDispatcher } from '../src/commands/dispatcher.js';
import { commands } from '../src/commands/registry.js';
import { seededRandom, pick, intBetween } from '../src/domain/random.js';
import { createServices } from '../src/main.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { BENCH_CATEGORIES, BENCH_REGIONS, BENCH_TAGS } from './bench-base.js';
import { FIRST, GIVEN, LAST, millionCustomers, NOW, percentile, SURNAMES, type MillionCustomers } from './million-customers.js';
import { copyIntoPostgres } from './postgres-copy.js';
import { connectDatabase, type StoreDatabase } from '../src/db/store-database.js';
import { createEmptyPostgresDatabase, TEST_POSTGRES_URL } from '../test/helpers/temp-postgres.js';

const CUSTOMERS = Number(process.env.LOOKUP_BENCH_CUSTOMERS ?? 1_000_000);
const SAMPLES = 300;
const TARGET_P99_MS = 20;
const COMPLETE_TARGET_P99_MS = 10;
const LIST_TARGET_P99_MS = 50;
const HISTORY_TARGET_P99_MS = 20;
/** Every this many customers one with a long history (300 orders, 40 logged contacts), as a B2B account has. */
const HEAVY_EVERY = 1000;

export async function run(): Promise<void> {
  const million = await millionCustomers('lookup', CUSTOMERS, {
    ordersOf: (_, i) => (i % HEAVY_EVERY === 0 ? 300 : 2),
    interactionsOf: (random, i) => (i % HEAVY_EVERY === 0 ? 40 : intBetween(random, 0, 2)),
  });
  try {
    const point = million.db.sqlite.prepare('SELECT id FROM Customer WHERE externalId = ?');
    const prefix = million.db.sqlite.prepare('SELECT id, name FROM Customer WHERE name >= ? AND name < ? ORDER BY name LIMIT 25');
    await lookupParts('SQLite', million.db, million, {
      point: async (externalId) => void point.get(externalId),
      prefix: async (typed) => void prefix.all(typed, `${typed}\uffff`),
    });
    if (!TEST_POSTGRES_URL) {
      process.stdout.write('lookup: PostgreSQL part skipped: TEST_POSTGRES_URL is not set (.ci/run shows how to start a throwaway server)\n');
      return;
    }
    const target = await createEmptyPostgresDatabase('rapport_lookup_bench');
    try {
      await (await connectDatabase(target.url)).close();
      const copied = await copyIntoPostgres(million.db, target.url);
      process.stdout.write(`lookup: copied the same ${copied.rows.toLocaleString('en')} rows into PostgreSQL with COPY in ${copied.seconds.toFixed(1)} s\n`);
      const db = await connectDatabase(target.url);
      const { default: pg } = await import('pg');
      const raw = new pg.Client({ connectionString: target.url });
      await raw.connect();
      try {
        // The state autovacuum leaves a bulk load in within a minute or so (an insert-driven vacuum marks the pages
        // all-visible, so name walks read the covering index alone): measured now rather than whenever it wakes.
        const vacuumed = performance.now();
        await raw.query('VACUUM (ANALYZE) "Customer", "CustomerNameGram", "CustomerTag", "ScoreSnapshot", "Rep"');
        process.stdout.write(`lookup: vacuumed the lookup tables in ${((performance.now() - vacuumed) / 1000).toFixed(1)} s\n`);
        await lookupParts('PostgreSQL', db, million, {
          point: async (externalId) => void (await raw.query({ name: 'point', text: 'SELECT id FROM "Customer" WHERE "externalId" = $1', values: [externalId] })),
          prefix: async (typed) =>
            void (await raw.query({ name: 'prefix', text: 'SELECT id, name FROM "Customer" WHERE name >= $1 AND name < $2 ORDER BY name LIMIT 25', values: [typed, `${typed}\uffff`] })),
        });
      } finally {
        await raw.end();
        await db.close();
      }
    } finally {
      await target.cleanup();
    }
  } finally {
    await million.close();
  }
}

/** The raw limit on an engine: an indexed point select by external id, and the indexed name-prefix select autocomplete starts from. */
interface RawSelects {
  point(externalId: string): Promise<void>;
  prefix(typed: string): Promise<void>;
}

async function timeRaw(label: string, query: () => Promise<void>): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await query();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return `raw ${label} p50 ${percentile(times, 50).toFixed(2)} p99 ${percentile(times, 99).toFixed(2)}`;
}

/** Every part of the bench through the dispatcher on `db`, beside `raw` on the same engine. */
async function lookupParts(engine: string, db: StoreDatabase, million: MillionCustomers, raw: RawSelects): Promise<void> {
  const config = loadConfig({});
  const clock = new ManualClock(NOW);
  const app = createDispatcher({
    commands,
    services: createServices(db, config, clock, createLogger('silent'), new Map()),
    clock,
    logger: { error: (e: unknown) => process.stderr.write(`${String(e)}\n`) },
    defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' },
  });
  const random = seededRandom(99);
  // A random stored customer, read back to query by its own keys.
  const row = () => million.randomCustomer(random);
  const typo = (name: string) => {
    const chars = [...name];
    const at = intBetween(random, 1, chars.length - 1);
    chars[at] = chars[at] === 'x' ? 'q' : 'x';
    return chars.join('');
  };
  const kinds: { kind: string; asker: string; query: () => string }[] = [
    { kind: 'external id', asker: 'admin@bench', query: () => row().externalId },
    { kind: 'email', asker: 'admin@bench', query: () => row().email },
    { kind: 'phone (+country)', asker: 'admin@bench', query: () => row().phone },
    { kind: 'phone (local digits)', asker: 'admin@bench', query: () => row().phone.replace(/^\+(86|49)/, '') },
    { kind: 'exact name (many match)', asker: 'admin@bench', query: () => row().name },
    { kind: '2-char Chinese name 王芳', asker: 'admin@bench', query: () => '王芳' },
    { kind: '1-char Chinese (surname)', asker: 'admin@bench', query: () => pick(random, SURNAMES) },
    { kind: 'partial Latin name (trigram)', asker: 'admin@bench', query: () => pick(random, LAST).slice(0, 4) },
    { kind: 'typo, Latin (did you mean)', asker: 'admin@bench', query: () => typo(`${pick(random, FIRST)} ${pick(random, LAST)}`) },
    { kind: 'typo, Chinese 王方', asker: 'admin@bench', query: () => `${pick(random, SURNAMES)}方` },
    { kind: 'rep own book, name', asker: 'rep5@bench', query: () => pick(random, SURNAMES) + pick(random, GIVEN) },
    { kind: 'manager team, name', asker: 'rep0@bench', query: () => `${pick(random, FIRST)} ${pick(random, LAST)}` },
  ];
  process.stdout.write(`lookup (${engine}): /customer lookup through the dispatcher, ${SAMPLES} queries per kind (ms)\n`);
  await timeCommands(app, kinds.map(({ kind, asker, query }) => ({ kind, asker, line: () => `/customer lookup ${query()}` })), TARGET_P99_MS);

  // Autocomplete (Discord, Slack selects): what a person has typed so far, within their book.
  const completions: { kind: string; asker: string; prefix: () => string }[] = [
    { kind: 'nothing typed yet (admin)', asker: 'admin@bench', prefix: () => '' },
    { kind: 'nothing typed yet (rep)', asker: 'rep5@bench', prefix: () => '' },
    { kind: '1 Chinese char (admin)', asker: 'admin@bench', prefix: () => pick(random, SURNAMES) },
    { kind: '2 Chinese chars (manager)', asker: 'rep0@bench', prefix: () => pick(random, SURNAMES) + pick(random, GIVEN).slice(0, 1) },
    { kind: '2 Latin letters (admin)', asker: 'admin@bench', prefix: () => pick(random, FIRST).slice(0, 2) },
    { kind: '4 Latin letters (manager)', asker: 'rep0@bench', prefix: () => pick(random, LAST).slice(0, 4) },
    { kind: 'external id prefix (admin)', asker: 'admin@bench', prefix: () => row().externalId.slice(0, 6) },
    { kind: 'name prefix (rep own book)', asker: 'rep5@bench', prefix: () => pick(random, SURNAMES) },
  ];
  const pointLimit = await timeRaw('indexed point select', () => raw.point(row().externalId));
  process.stdout.write(`lookup (${engine}): ${pointLimit}\n`);
  const prefixLimit = await timeRaw('indexed prefix select', () => raw.prefix(pick(random, SURNAMES)));
  process.stdout.write(`lookup (${engine}): autocomplete of a customer option through the core, ${SAMPLES} prefixes per kind (ms); ${prefixLimit}\n`);
  const allCompletions: number[] = [];
  for (const { kind, asker, prefix } of completions) {
    const times: number[] = [];
    let offered = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const typed = prefix();
      const t0 = performance.now();
      const choices = await app.complete({ platform: 'console', userId: asker, command: 'customer lookup', option: 'who', prefix: typed });
      times.push(performance.now() - t0);
      offered += choices.length;
    }
    times.sort((a, b) => a - b);
    allCompletions.push(...times);
    process.stdout.write(`  ${kind.padEnd(32)} ${percentile(times, 50).toFixed(2).padStart(7)} ${percentile(times, 99).toFixed(2).padStart(7)} ${times.at(-1)!.toFixed(2).padStart(7)}  ${(offered / SAMPLES).toFixed(1)} choices\n`);
  }
  allCompletions.sort((a, b) => a - b);
  const completeP99 = percentile(allCompletions, 99);
  process.stdout.write(`  ${'all kinds'.padEnd(32)} ${percentile(allCompletions, 50).toFixed(2).padStart(7)} ${completeP99.toFixed(2).padStart(7)} ${allCompletions.at(-1)!.toFixed(2).padStart(7)}  target p99 ≤ ${COMPLETE_TARGET_P99_MS} ms: ${completeP99 <= COMPLETE_TARGET_P99_MS ? 'met' : 'MISSED'}\n`);

  // Segments: two filters each, as an admin (the whole base), a manager (a team) and a rep (their book).
  const region = () => pick(random, BENCH_REGIONS);
  const category = () => pick(random, BENCH_CATEGORIES);
  const lists: { kind: string; asker: string; line: () => string }[] = [
    { kind: 'tier + stage (admin)', asker: 'admin@bench', line: () => `/customer list tier ${pick(random, ['A', 'B', 'C', 'D'])} ${pick(random, ['at-risk', 'lapsed', 'active', 'new'])}` },
    { kind: 'tag vip + region (admin)', asker: 'admin@bench', line: () => `/customer list tag vip region ${region()}` },
    { kind: 'category + age (admin)', asker: 'admin@bench', line: () => `/customer list category ${category()} age ${intBetween(random, 18, 50)}-${intBetween(random, 51, 70)}` },
    { kind: 'low-profit + long tail (admin)', asker: 'admin@bench', line: () => `/customer list low-profit ${pick(random, ['long-tail', 'head', 'rare-large'])}` },
    { kind: 'stage + region (manager)', asker: 'rep0@bench', line: () => `/customer list ${pick(random, ['active', 'at-risk', 'won-back'])} region ${region()}` },
    { kind: 'tag + category (manager)', asker: 'rep0@bench', line: () => `/customer list tag ${pick(random, BENCH_TAGS)} category ${category()}` },
    { kind: 'rep + stage (manager)', asker: 'rep0@bench', line: () => `/customer list rep rep${3 * intBetween(random, 1, 600)}@bench lapsed` },
    { kind: 'tier + tag (rep own book)', asker: 'rep5@bench', line: () => `/customer list tier ${pick(random, ['A', 'B'])} tag ${pick(random, BENCH_TAGS)}` },
    { kind: 'page 5 of tier + stage (admin)', asker: 'admin@bench', line: () => `/customer list tier B at-risk --page 5` },
  ];
  process.stdout.write(`lookup (${engine}): /customer list with two filters through the dispatcher, ${SAMPLES} lists per kind (ms)\n`);
  await timeCommands(app, lists, LIST_TARGET_P99_MS);

  // History: one customer's orders and contacts, 10 a page; every 1000th customer has 300 orders and 40 contacts.
  const heavy = () => `C${String(HEAVY_EVERY * intBetween(random, 0, CUSTOMERS / HEAVY_EVERY - 1) + 1).padStart(7, '0')}`;
  const histories: { kind: string; asker: string; line: () => string }[] = [
    { kind: 'a few entries (admin)', asker: 'admin@bench', line: () => `/customer history ${row().externalId}` },
    { kind: '340 entries, page 1 (admin)', asker: 'admin@bench', line: () => `/customer history ${heavy()}` },
    { kind: '340 entries, page 20 (admin)', asker: 'admin@bench', line: () => `/customer history ${heavy()} --page 20` },
  ];
  process.stdout.write(`lookup (${engine}): /customer history through the dispatcher, ${SAMPLES} histories per kind (ms)\n`);
  await timeCommands(app, histories, HISTORY_TARGET_P99_MS);
}

/** Runs each kind's typed lines through the dispatcher and prints p50 / p99 / max per kind and in all, beside the target. */
async function timeCommands(app: App, kinds: { kind: string; asker: string; line: () => string }[], targetP99Ms: number): Promise<void> {
  const all: number[] = [];
  process.stdout.write(`  ${'kind'.padEnd(32)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  reply\n`);
  for (const { kind, asker, line } of kinds) {
    const times: number[] = [];
    const shapes = new Map<string, number>();
    for (let i = 0; i < SAMPLES; i++) {
      const text = line();
      const t0 = performance.now();
      const reply = await app.dispatch({ platform: 'console', userId: asker, text });
      times.push(performance.now() - t0);
      const first = reply.blocks[0]!;
      const shape = first.type === 'text' && first.tone === 'error' ? `error: ${first.text.slice(0, 40)}` : first.type;
      shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
    }
    times.sort((a, b) => a - b);
    all.push(...times);
    const shown = [...shapes].map(([shape, n]) => `${shape} ${n}`).join(', ');
    process.stdout.write(`  ${kind.padEnd(32)} ${percentile(times, 50).toFixed(2).padStart(7)} ${percentile(times, 99).toFixed(2).padStart(7)} ${times.at(-1)!.toFixed(2).padStart(7)}  ${shown}\n`);
  }
  all.sort((a, b) => a - b);
  const p99 = percentile(all, 99);
  process.stdout.write(`  ${'all kinds'.padEnd(32)} ${percentile(all, 50).toFixed(2).padStart(7)} ${p99.toFixed(2).padStart(7)} ${all.at(-1)!.toFixed(2).padStart(7)}  target p99 ≤ ${targetP99Ms} ms: ${p99 <= targetP99Ms ? 'met' : 'MISSED'}\n`);
}
