/**
 * Customer lookup through the command layer on 1,000,000 customers: the dispatcher resolves
 * the asker, searches within their book, renders the card (or the list, or the "did you
 * mean") and writes the audit row — the whole path a chat command takes. Customers are
 * written with raw prepared inserts (the demo generator's orders would take minutes at this
 * size); the name-search triggers and indexes are the production ones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../src/clock.js';
import { createDispatcher } from '../src/commands/dispatcher.js';
import { commands } from '../src/commands/registry.js';
import { openDatabase } from '../src/db/database.js';
import { seededRandom, pick, intBetween } from '../src/domain/random.js';
import { createServices } from '../src/main.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';

const CUSTOMERS = Number(process.env.LOOKUP_BENCH_CUSTOMERS ?? 1_000_000);
const REPS = 2000;
const SAMPLES = 300;
const TARGET_P99_MS = 20;
const COMPLETE_TARGET_P99_MS = 10;
const NOW = new Date('2026-11-23T01:30:00Z');
const DAY = 86_400_000;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
const GIVEN = ['芳', '伟', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋', '艳', '勇', '杰', '娟', '涛', '明', '超', '秀兰', '霞', '平', '婷婷', '晓燕', '志强', '欣怡'];
const FIRST = ['Emma', 'Liam', 'Olivia', 'Noah', 'Sophia', 'Lukas', 'Mia', 'Felix', 'Hannah', 'Jonas', 'Lena', 'Paul', 'Clara', 'Ben', 'Emily', 'David'];
const LAST = ['Müller', 'Schmidt', 'Fischer', 'Wagner', 'Becker', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Smith', 'Brown', 'Taylor', 'Keller'];

interface Row {
  externalId: string;
  name: string;
  email: string;
  phone: string;
  ownerId: number;
}

function customer(i: number, random: () => number): Row {
  const chinese = i % 3 !== 1;
  const name = chinese ? `${pick(random, SURNAMES)}${pick(random, GIVEN)}` : `${pick(random, FIRST)} ${pick(random, LAST)}`;
  const phone = chinese ? `+861${intBetween(random, 3, 9)}${String(i).padStart(9, '0')}` : `+4915${intBetween(random, 1, 9)}${String(i).padStart(8, '0')}`;
  return { externalId: `C${String(i + 1).padStart(7, '0')}`, name, email: `c${i}@${chinese ? 'example.cn' : 'example.de'}`, phone, ownerId: 2 + (i % REPS) };
}

function seed(sqlite: import('../src/db/database.js').Sqlite): void {
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
    for (let i = 0; i < CUSTOMERS; i++) {
      const c = customer(i, random);
      const id = Number(insert.run(c.externalId, c.name, c.email, c.phone, c.ownerId).lastInsertRowid);
      order.run(id, NOW.getTime() - intBetween(random, 1, 400) * DAY, intBetween(random, 1000, 90000));
      order.run(id, NOW.getTime() - intBetween(random, 1, 400) * DAY, intBetween(random, 1000, 90000));
      score.run(id);
    }
  })();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-lookup-bench-'));
  const db = await openDatabase(`file:${path.join(dir, 'bench.db')}`);
  try {
    const started = performance.now();
    seed(db.sqlite);
    db.sqlite.exec('ANALYZE');
    process.stdout.write(`lookup: seeded ${CUSTOMERS.toLocaleString('en')} customers, ${(2 * CUSTOMERS).toLocaleString('en')} orders in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
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
    const row = () => db.sqlite.prepare('SELECT externalId, name, email, phone FROM Customer WHERE id = ?').get(intBetween(random, 1, CUSTOMERS)) as Row;
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
    const all: number[] = [];
    process.stdout.write(`lookup: /customer lookup through the dispatcher, ${SAMPLES} queries per kind (ms)\n`);
    process.stdout.write(`  ${'query kind'.padEnd(32)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  reply\n`);
    for (const { kind, asker, query } of kinds) {
      const times: number[] = [];
      const shapes = new Map<string, number>();
      for (let i = 0; i < SAMPLES; i++) {
        const text = `/customer lookup ${query()}`;
        const t0 = performance.now();
        const reply = await app.dispatch({ platform: 'console', userId: asker, text });
        times.push(performance.now() - t0);
        const shape = reply.blocks[0]!.type;
        shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
      }
      times.sort((a, b) => a - b);
      all.push(...times);
      const shown = [...shapes].map(([shape, n]) => `${shape} ${n}`).join(', ');
      process.stdout.write(`  ${kind.padEnd(32)} ${percentile(times, 50).toFixed(2).padStart(7)} ${percentile(times, 99).toFixed(2).padStart(7)} ${times.at(-1)!.toFixed(2).padStart(7)}  ${shown}\n`);
    }
    all.sort((a, b) => a - b);
    const p99 = percentile(all, 99);
    process.stdout.write(`  ${'all kinds'.padEnd(32)} ${percentile(all, 50).toFixed(2).padStart(7)} ${p99.toFixed(2).padStart(7)} ${all.at(-1)!.toFixed(2).padStart(7)}  target p99 ≤ ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'MISSED'}\n`);

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
    const rawPrefix = db.sqlite.prepare('SELECT id, name FROM Customer WHERE name >= ? AND name < ? ORDER BY name LIMIT 25');
    const raw: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const prefix = pick(random, SURNAMES);
      const t0 = performance.now();
      rawPrefix.all(prefix, `${prefix}\uffff`);
      raw.push(performance.now() - t0);
    }
    raw.sort((a, b) => a - b);
    process.stdout.write(`lookup: autocomplete of a customer option through the core, ${SAMPLES} prefixes per kind (ms); raw indexed prefix select p50 ${percentile(raw, 50).toFixed(2)} p99 ${percentile(raw, 99).toFixed(2)}\n`);
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
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
