/**
 * Slack under load on 1,000,000 customers: 1,000 signed `/customer lookup` slash commands over
 * loopback HTTP from 8 concurrent clients, through the bot as runBot composes it (the core,
 * the Slack adapter from CHAT_ADAPTERS on the shared HTTP server, the background worker).
 * Figures: the ack (Slack's 3-second window) and the time until the answer reaches the
 * response_url, p50/p99 — beside a bare `http` server answering the same requests (ack at once,
 * then the same POST to the response_url), and again while the background worker rescores
 * every customer. Clients and the fake Slack run in a process of their own (slack-load.ts).
 * Each figure is the median of three rounds.
 */
import { createLeaseStore } from '../src/db/stores/lease-store.js';
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../src/adapters/http-server.js';
import { createBackgroundWorker } from '../src/background/background-worker.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { intBetween, seededRandom } from '../src/domain/random.js';
import { createLogger } from '../src/logger.js';
import { CHAT_ADAPTERS, createApp, type Notifiers } from '../src/main.js';
import { millionCustomers, NOW, percentile } from './million-customers.js';
import type { LoadMessage, LoadReply, LoadRequest, LoadResult } from './slack-load.js';

const QUICK = process.env.BENCH_QUICK === '1';
const CUSTOMERS = Number(process.env.SLACK_BENCH_CUSTOMERS ?? (QUICK ? 100_000 : 1_000_000));
const REQUESTS = 1000;
const CONCURRENCY = 8;
const ROUNDS = 3;
const WARM_UP = 100;
const TARGET = { ackP99: 50, answerP99: 150, ackP99Rescoring: 200 };
const SIGNING_SECRET = 'bench-signing-secret';
/** The 8 askers: reps 1–8 of the bench database (rep ids 3–10), each linked to a Slack user. */
const ASKERS = Array.from({ length: CONCURRENCY }, (_, i) => 3 + i);
const slackUser = (repId: number) => `U0BENCH${String(repId).padStart(4, '0')}`;

interface Figures {
  ackP50: number;
  ackP99: number;
  answerP50: number;
  answerP99: number;
  failed: number;
  failures: Record<string, number>;
  perSecond: number;
}

function figures(result: LoadResult): Figures {
  const ack = [...result.ackMs].sort((a, b) => a - b);
  const answer = [...result.answerMs].sort((a, b) => a - b);
  return {
    ackP50: percentile(ack, 50),
    ackP99: percentile(ack, 99),
    answerP50: answer.length ? percentile(answer, 50) : Number.NaN,
    answerP99: answer.length ? percentile(answer, 99) : Number.NaN,
    failed: result.failed,
    failures: result.failures,
    perSecond: (result.ackMs.length / result.wallMs) * 1000,
  };
}

function median(rounds: Figures[]): Figures {
  const mid = (pick: (f: Figures) => number) => [...rounds.map(pick)].sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
  return {
    ackP50: mid((f) => f.ackP50),
    ackP99: mid((f) => f.ackP99),
    answerP50: mid((f) => f.answerP50),
    answerP99: mid((f) => f.answerP99),
    failed: rounds.reduce((sum, f) => sum + f.failed, 0),
    failures: rounds.reduce<Record<string, number>>((all, f) => {
      for (const [why, n] of Object.entries(f.failures)) all[why] = (all[why] ?? 0) + n;
      return all;
    }, {}),
    perSecond: mid((f) => f.perSecond),
  };
}

/** Lookups as reps type them: mostly an external id from their own book, some by email or full name. */
function lookups(sqlite: import('../src/db/database.js').Sqlite, count: number, seed: number): LoadRequest[] {
  const random = seededRandom(seed);
  const book = sqlite.prepare('SELECT externalId, email, name FROM Customer WHERE ownerId = ? AND id > ? ORDER BY id LIMIT 1');
  return Array.from({ length: count }, () => {
    const repId = ASKERS[intBetween(random, 0, ASKERS.length - 1)]!;
    const c = book.get(repId, intBetween(random, 0, Math.max(0, CUSTOMERS - 5000))) as { externalId: string; email: string; name: string };
    const roll = random();
    const who = roll < 0.7 ? c.externalId : roll < 0.85 ? c.email : c.name;
    return { userId: slackUser(repId), text: `lookup ${who}` };
  });
}

function ask(child: ChildProcess, message: LoadMessage): Promise<LoadReply> {
  return new Promise((resolve) => {
    child.once('message', (reply: LoadReply) => resolve(reply));
    child.send(message);
  });
}

/** The raw limit: answers 200 at once, then posts a short answer to the request's response_url, as the bot does, with no work between. */
async function bareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200).end();
      // The answer in a later turn, as the bot gives it (slack-adapter.ts): the ack goes out alone.
      setImmediate(() => {
        const responseUrl = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('response_url')!;
        const body = JSON.stringify({ response_type: 'ephemeral', text: 'ok' });
        http.request(responseUrl, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (r) => r.resume()).end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
    close: () => {
      agent.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const ms = (value: number) => (Number.isNaN(value) ? '—' : value.toFixed(1)).padStart(8);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

export async function run(): Promise<void> {
  const child = fork(path.join(import.meta.dirname, 'slack-load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const logger = createLogger('silent');
  const bench = await millionCustomers('slack', CUSTOMERS);
  const { db } = bench;
  try {
    const link = db.sqlite.prepare('UPDATE Rep SET slackUserId = ? WHERE id = ?');
    for (const repId of ASKERS) link.run(slackUser(repId), repId);
    process.stdout.write(`slack: load average ${load()} (2 cores)\n`);

    const ready = (await ask(child, { type: 'start' })) as Extract<LoadReply, { type: 'ready' }>;
    const config = loadConfig({
      DATABASE_URL: `file:${db.file}`,
      SLACK_BOT_TOKEN: ready.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: ready.apiUrl,
      RAPPORT_DEMO: 'off',
    });
    const notifiers: Notifiers = new Map();
    const app = createApp(db, config, systemClock, logger, notifiers);
    const server = createHttpServer({ port: 0, host: '127.0.0.1' });
    const adapter = await CHAT_ADAPTERS.slack!({ app, config, clock: systemClock, logger, http: server, leases: createLeaseStore(db), replica: 'bench' });
    await adapter.start();
    if (adapter.notifier) notifiers.set('slack', adapter.notifier);
    const botUrl = `http://127.0.0.1:${await server.listen()}/slack/events`;
    const background = createBackgroundWorker({ databaseUrl: config.databaseUrl, logger });
    const bare = await bareServer();

    const send = async (url: string, requests: LoadRequest[]) =>
      (await ask(child, { type: 'load', url, signingSecret: SIGNING_SECRET, requests, concurrency: CONCURRENCY })) as Extract<LoadReply, { type: 'result' }>;
    // First lookups of each asker pay for linking (users.info) and cold pages.
    await send(botUrl, lookups(db.sqlite, WARM_UP, 1));

    const rows: { label: string; result: Figures; note?: string }[] = [];
    const measure = async (label: string, url: string, note?: () => string) => {
      const rounds: Figures[] = [];
      for (let round = 0; round < ROUNDS; round++) rounds.push(figures(await send(url, lookups(db.sqlite, REQUESTS, 10 + round))));
      rows.push({ label, result: median(rounds), ...(note ? { note: note() } : {}) });
    };
    await measure('bare http server (raw limit)', bare.url);
    await measure('bot', botUrl);

    // The nightly rescoring of every customer, in the same bot's background worker, as the scheduler starts it.
    let rescored: number | null = null;
    const rescoreStarted = performance.now();
    const rescoring = background.run({ kind: 'rescore', asOf: NOW, computedAt: NOW }).then(() => (rescored = performance.now() - rescoreStarted));
    await measure('bot while rescoring', botUrl, () => (rescored === null ? `rescoring still running after ${((performance.now() - rescoreStarted) / 1000).toFixed(1)} s` : `rescoring ended after ${(rescored / 1000).toFixed(1)} s, before the rounds did`));
    await rescoring;

    process.stdout.write(`slack: ${REQUESTS} signed /customer lookup requests, ${CONCURRENCY} clients, median of ${ROUNDS} rounds (ms)\n`);
    process.stdout.write(`  ${''.padEnd(30)} ${'ack p50'.padStart(8)} ${'ack p99'.padStart(8)} ${'ans p50'.padStart(8)} ${'ans p99'.padStart(8)} ${'req/s'.padStart(7)}  failed\n`);
    for (const { label, result, note } of rows) {
      process.stdout.write(
        `  ${label.padEnd(30)} ${ms(result.ackP50)} ${ms(result.ackP99)} ${ms(result.answerP50)} ${ms(result.answerP99)} ${result.perSecond.toFixed(0).padStart(7)}  ${result.failed}${result.failed ? ` ${JSON.stringify(result.failures)}` : ''}${note ? `  (${note})` : ''}\n`,
      );
    }
    const bot = rows.find((r) => r.label === 'bot')!.result;
    const busy = rows.find((r) => r.label === 'bot while rescoring')!.result;
    const verdict = (value: number, target: number) => `${value.toFixed(1)} ms, target ≤ ${target} ms: ${value <= target ? 'met' : 'MISSED'}`;
    process.stdout.write(`  ack p99 ${verdict(bot.ackP99, TARGET.ackP99)}; answer p99 ${verdict(bot.answerP99, TARGET.answerP99)}\n`);
    process.stdout.write(`  ack p99 while rescoring ${verdict(busy.ackP99, TARGET.ackP99Rescoring)}; rescoring took ${((rescored ?? 0) / 1000).toFixed(1)} s\n`);
    process.stdout.write(`  load average at the end ${load()}\n`);

    await bare.close();
    await adapter.stop();
    await server.close();
    await background.close();
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.connected) child.send({ type: 'stop' } satisfies LoadMessage);
    else child.kill();
    await exited;
    await bench.close();
  }
}
