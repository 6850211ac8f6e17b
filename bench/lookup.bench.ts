/**
 * Customer lookup through the command layer on 1,000,000 customers: the dispatcher resolves
 * the asker, searches within their book, renders the card (or the list, or the "did you
 * mean") and writes the audit row — the whole path a chat command takes. The customers come
 * from bench/million-customers.ts.
 */
import { ManualClock } from '../src/clock.js';
import { createDispatcher } from '../src/commands/dispatcher.js';
import { commands } from '../src/commands/registry.js';
import { seededRandom, pick, intBetween } from '../src/domain/random.js';
import { createServices } from '../src/main.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { FIRST, GIVEN, LAST, millionCustomers, NOW, percentile, SURNAMES } from './million-customers.js';

const CUSTOMERS = Number(process.env.LOOKUP_BENCH_CUSTOMERS ?? 1_000_000);
const SAMPLES = 300;
const TARGET_P99_MS = 20;
const COMPLETE_TARGET_P99_MS = 10;

export async function run(): Promise<void> {
  const million = await millionCustomers('lookup', CUSTOMERS);
  const { db } = million;
  try {
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
    await million.close();
  }
}
