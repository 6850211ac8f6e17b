import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import type { Clock } from '../../src/clock.js';
import type { App } from '../../src/commands/app.js';
import { createDispatcher, type DispatcherDeps } from '../../src/commands/dispatcher.js';
import { encodeInvocation } from '../../src/commands/options.js';
import type { Platform } from '../../src/domain/platform.js';
import type { Notifier } from '../../src/scheduler/notifier.js';
import { createNudgeMessages } from '../../src/scheduler/nudge-messages.js';
import { createNudgeRenderer } from '../../src/scheduler/nudge-renderer.js';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import type { Services } from '../../src/commands/ports.js';
import { commands } from '../../src/commands/registry.js';
import type { Block, CommandAction, Reply } from '../../src/commands/reply.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { seedDemoData } from '../../src/db/seed/seed.js';
import { createStorageServices } from '../../src/db/storage-services.js';
import { createDigestService, createOutboxView } from '../../src/scheduler/command-services.js';
import { digestsDrawnBy } from '../scheduler/helpers.js';
import { createModelReportService } from '../../src/scoring/model-report.js';
import { createImportService } from '../../src/import/chat-import.js';
import { inProcessJobs } from '../helpers/background-jobs.js';
import { tempDir } from '../helpers/temp-database.js';

/** The demo's "today": a Monday, 09:30 in Shanghai. */
export const NOW = new Date('2026-11-23T01:30:00Z');
export const DEMO_CUSTOMERS = 120;

export const ADMIN = 'admin@rapport.demo';
export const LI_NA = 'li.na@rapport.demo'; // manager, Shanghai, zh-CN
export const ANNA = 'anna.schmidt@rapport.demo'; // manager, Berlin, en
export const ZHANG_WEI = 'zhang.wei@rapport.demo'; // rep, Shanghai, zh-CN
export const LIU_YANG = 'liu.yang@rapport.demo'; // rep, Shanghai, zh-CN
export const CHEN_JING = 'chen.jing@rapport.demo'; // rep, Shanghai, en
export const MAX = 'max.weber@rapport.demo'; // rep, Berlin, en

/** Seeding once per test file is the slow part; each file copies this template. */
let template: string | undefined;

async function seededTemplate(): Promise<string> {
  if (template && fs.existsSync(template)) return template;
  const { dir } = tempDir('rapport-commands-template-');
  const file = path.join(dir, 'template.db');
  const db = await openDatabase(`file:${file}`);
  seedDemoData(db.sqlite, { customers: DEMO_CUSTOMERS, seed: 42, asOf: NOW });
  writeScores(db);
  // Win-back plans as the planner opened them yesterday for the at-risk and lapsed.
  db.sqlite
    .prepare(`INSERT INTO WinbackEpisode (customerId, episode, startedAt, deadline, status)
      SELECT customerId, 1, ?, ?, 'open' FROM ScoreSnapshot WHERE lifecycle IN ('at_risk', 'lapsed')`)
    .run(NOW.getTime() - 86_400_000, NOW.getTime() + 29 * 86_400_000);
  db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  await db.close();
  template = file;
  return file;
}

/**
 * Scores as the analytics engine writes them (one ScoreSnapshot per customer for this week),
 * derived from the seeded orders so the card has real figures to show.
 */
function writeScores(db: Database): void {
  const customers = db.sqlite
    .prepare(`SELECT c.id, COUNT(o.id) AS n, COALESCE(SUM(o.amountMinor), 0) AS spend, MAX(o.orderedAt) AS last
              FROM Customer c LEFT JOIN "Order" o ON o.customerId = c.id GROUP BY c.id ORDER BY c.id`)
    .all() as { id: number; n: number; spend: number; last: number | null }[];
  const insert = db.sqlite.prepare(`INSERT INTO ScoreSnapshot (customerId, week, computedAt, asOf, recencyDays, frequency, monetaryMinor,
      lifetimeMinor, orderCount, lastOrderAt, rScore, fScore, mScore, tier, valueBand, longTail, lowMargin, lifecycle, pAlive, expected30, expected90,
      expectedAovMinor, clv12Minor, churnRisk, churnReason, atStakeMinor, categories)
    VALUES (?, '2026-W48', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // What the scoring run stores as bought lately: the categories of the last 365 days' purchases.
  const lately = db.sqlite.prepare(
    `SELECT group_concat(DISTINCT lower(trim(category))) FROM "Order" WHERE customerId = ? AND amountMinor > 0 AND orderedAt > ? AND category IS NOT NULL`,
  ).pluck();
  const tiers = ['A', 'B', 'C', 'D'] as const;
  const TAIL_CLASSES = ['head', 'frequent-small', 'rare-large', 'long-tail'] as const;
  const lifecycles = ['active', 'at_risk', 'lapsed', 'new', 'active'] as const;
  for (const c of customers) {
    const daysSince = c.last === null ? null : Math.floor((NOW.getTime() - c.last) / 86_400_000);
    const tier = tiers[c.id % 4]!;
    const lifecycle = c.n === 0 ? 'prospect' : lifecycles[c.id % 5]!;
    const risk = lifecycle === 'at_risk' ? 0.64 : lifecycle === 'lapsed' ? 0.85 : 0.1;
    const reason =
      c.n === 0
        ? { code: 'no_orders' }
        : { code: risk > 0.5 ? 'overdue_vs_rhythm' : 'on_rhythm', daysSinceLast: daysSince ?? 0, typicalIntervalDays: 18, purchaseDays: c.n, riskModel: 'rhythm' };
    insert.run(
      c.id, NOW.getTime(), NOW.getTime(), daysSince, Math.max(0, c.n - 1), c.n ? Math.round(c.spend / c.n) : 0, c.spend, c.n, c.last,
      1 + (c.id % 5), 1 + ((c.id + 1) % 5), 1 + ((c.id + 2) % 5), tier, tier === 'A' ? 'high' : tier === 'D' ? 'low' : 'mid',
      c.n === 0 ? 'none' : TAIL_CLASSES[c.id % 4]!, c.id % 7 === 3 ? 1 : 0, lifecycle, 1 - risk, 1.2, 3.5, 42_000, 250_000 + c.id * 1000, risk,
      JSON.stringify(reason), Math.round((250_000 + c.id * 1000) * risk), categoriesOf((lately.get(c.id, NOW.getTime() - 365 * 86_400_000) as string | null) ?? ''),
    );
  }
}

/** Category keys as a score row stores them: `|a|b|`, '' for none. */
function categoriesOf(list: string): string {
  return list === '' ? '' : `|${list.split(',').join('|')}|`;
}

export interface CommandHarness {
  db: Database;
  clock: ManualClock;
  /** Types a line as a user (a rep email on the console, a platform user id elsewhere). */
  app: App;
  say(userId: string, text: string, platform?: Platform): Promise<Reply>;
  /** Presses a button (or sends a raw payload, e.g. a forged one). */
  press(userId: string, action: CommandAction | string, platform?: Platform): Promise<Reply>;
  errors: unknown[];
  cleanup(): Promise<void>;
}

/** The services main.ts builds (main.ts itself also wires the scheduler and scoring), with a chart stand-in. */
export function servicesFor(db: Database, clock: Clock = new ManualClock(NOW), notifiers: ReadonlyMap<Platform, Notifier> = new Map()): Services {
  const buildDigest = digestsDrawnBy(db.sqlite, async () => new Uint8Array());
  return {
    ...createStorageServices(db, inProcessJobs(db)),
    digests: createDigestService(db, buildDigest),
    outbox: createOutboxView(db),
    nudges: createNudgeMessages({
      outbox: createOutboxStore(db),
      render: createNudgeRenderer(db.sqlite, { currency: 'CNY', defaultLocale: 'en', buildDigest }),
      notifiers,
      clock,
      logger: { warn() {} },
    }),
    models: createModelReportService(inProcessJobs(db)),
    imports: createImportService({ background: inProcessJobs(db), clock, uploadsDir: path.join(path.dirname(db.file), 'uploads'), afterOrdersChanged() {} }),
  };
}

/** A fresh copy of the seeded demo database (120 customers, scored, at NOW); `cleanup` closes and removes it. */
export async function seededDatabase(): Promise<{ db: Database; cleanup(): Promise<void> }> {
  const source = await seededTemplate();
  const { dir, cleanup } = tempDir();
  const file = path.join(dir, 'test.db');
  fs.copyFileSync(source, file);
  const db = await openDatabase(`file:${file}`);
  return {
    db,
    async cleanup() {
      await db.close();
      cleanup();
    },
  };
}

/**
 * A copy of the seeded demo database and the real dispatcher over it, at a fixed clock.
 * `notifiers`: the running platforms' notifiers, which update sent nudges (a chat adapter's test fills it).
 */
export async function commandHarness(
  { notifiers, ...extra }: Pick<Partial<DispatcherDeps>, 'workspaces'> & { notifiers?: ReadonlyMap<Platform, Notifier> } = {},
): Promise<CommandHarness> {
  const { db, cleanup } = await seededDatabase();
  const clock = new ManualClock(NOW);
  const errors: unknown[] = [];
  const deps: DispatcherDeps = {
    commands,
    services: servicesFor(db, clock, notifiers),
    clock,
    logger: { error: (obj: unknown) => void errors.push(obj) } as DispatcherDeps['logger'],
    defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' },
    ...extra,
  };
  const app = createDispatcher(deps);
  return {
    db,
    clock,
    errors,
    app,
    say: (userId, text, platform = 'console') => app.dispatch({ platform, userId, text }),
    press: (userId, action, platform = 'console') =>
      app.handleAction({ platform, userId, payload: typeof action === 'string' ? action : encodeInvocation(action.invocation) }),
    cleanup,
  };
}

/** Every string a reply shows, for assertions that do not care about layout. */
export function textOf(reply: Reply): string {
  return reply.blocks.map(blockText).join('\n');
}

function blockText(block: Block): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'card':
      return [block.title, block.subtitle ?? '', ...block.sections.flatMap((s) => [s.title ?? '', ...s.fields.map((f) => `${f.label}: ${f.value}`)]), block.footer ?? ''].join('\n');
    case 'list':
      return [block.title ?? '', ...block.items.map((i) => `${i.primary} ${i.secondary ?? ''}`), block.footer ?? ''].join('\n');
    case 'table':
      return [block.title ?? '', block.columns.join(' '), ...block.rows.map((r) => r.join(' '))].join('\n');
    case 'actions':
      return block.actions.map((a) => `${a.label} ${a.kind === 'command' ? a.typed : a.url}`).join('\n');
    case 'image':
      return block.alt;
    case 'file':
      return block.fileName;
    case 'form':
      return `${block.title} ${block.typed}`;
  }
}

/** Every button of a reply: message buttons, per-item buttons and paging. */
export function buttonsOf(reply: Reply): CommandAction[] {
  return reply.blocks.flatMap((b) => {
    if (b.type === 'actions') return b.actions.filter((a): a is CommandAction => a.kind === 'command');
    if (b.type === 'list') return [...b.items.flatMap((i) => i.actions ?? []), ...[b.paging?.previous, b.paging?.next].filter((a): a is CommandAction => a !== undefined)];
    return [];
  });
}

/** The button with this label (the first, when several share it). */
export function button(reply: Reply, label: string): CommandAction {
  const found = buttonsOf(reply).find((a) => a.label === label);
  if (!found) throw new Error(`no button "${label}" in ${JSON.stringify(buttonsOf(reply).map((a) => a.label))}`);
  return found;
}

export function fieldOf(reply: Reply, label: string): string | undefined {
  const card = reply.blocks.find((b) => b.type === 'card');
  return card?.type === 'card' ? card.sections.flatMap((s) => s.fields).find((f) => f.label === label)?.value : undefined;
}

export function auditRows(db: Database): { repId: number; action: string; target: string; detail: string; at: number }[] {
  return db.sqlite.prepare('SELECT repId, action, target, detail, at FROM AuditLog ORDER BY id').all() as never;
}

/** Customer facts straight from the database, to pick test subjects without hard-coding seeds. */
export function customerWhere(db: Database, sql: string, ...params: unknown[]) {
  return db.sqlite
    .prepare(`SELECT c.id, c.externalId, c.name, c.email, c.phone, c.ownerId, r.email AS ownerEmail, r.teamId
              FROM Customer c JOIN Rep r ON r.id = c.ownerId WHERE ${sql} ORDER BY c.id LIMIT 1`)
    .get(...params) as { id: number; externalId: string; name: string; email: string | null; phone: string | null; ownerId: number; ownerEmail: string; teamId: number };
}
