import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import type { Clock } from '../../src/clock.js';
import type { App } from '../../src/commands/app.js';
import { createDispatcher, type DispatcherDeps } from '../../src/commands/dispatcher.js';
import { encodeInvocation } from '../../src/commands/options.js';
import type { Platform } from '../../src/domain/platform.js';
import type { Notifier } from '../../src/scheduler/notifier.js';
import { createNudgeMessages } from '../../src/scheduler/nudge-messages.js';
import { createNudgeRenderer, type NudgeRenderer } from '../../src/scheduler/nudge-renderer.js';
import { createOutboxStore } from '../../src/db/stores/outbox-store.js';
import type { Services } from '../../src/commands/ports.js';
import { commands } from '../../src/commands/registry.js';
import type { Block, CommandAction, Reply } from '../../src/commands/reply.js';
import type { Database } from '../../src/db/database.js';
import { seedDemoData } from '../../src/db/seed/seed.js';
import { createStorageServices } from '../../src/db/storage-services.js';
import type { StoreDatabase } from '../../src/db/store-database.js';
import type { StoreHandle } from '../../src/db/stores/store.js';
import type { Schema } from '../../src/db/schema.js';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import { createDigestService, createOutboxView } from '../../src/scheduler/command-services.js';
import type { DigestBuilder } from '../../src/scheduler/weekly-digest.js';
import type { BackgroundJobs } from '../../src/background/background-jobs.js';
import { digestsDrawnBy } from '../scheduler/helpers.js';
import { createModelReportService } from '../../src/scoring/model-report.js';
import { createImportService } from '../../src/import/chat-import.js';
import { inProcessJobs } from '../helpers/background-jobs.js';
import { filledOnce, type EngineTestDatabase, type TestEngine } from '../helpers/engines.js';
import { tempDir, unnamedEngine } from '../helpers/temp-database.js';

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

/**
 * The demo as the command tests start from: seeded, scored, and with the win-back plans the
 * planner opened yesterday for the at-risk and lapsed. Written through Kysely, so on either engine.
 */
async function fillDemo(db: StoreDatabase): Promise<void> {
  await seedDemoData(db, { customers: DEMO_CUSTOMERS, seed: 42, asOf: NOW });
  await writeScores(db);
  await db.kysely
    .insertInto('WinbackEpisode')
    .columns(['customerId', 'episode', 'startedAt', 'deadline', 'status'])
    .expression((eb) =>
      eb
        .selectFrom('ScoreSnapshot')
        .select(['customerId', eb.lit(1).as('episode'), eb.lit(NOW.getTime() - 86_400_000).as('startedAt'), eb.lit(NOW.getTime() + 29 * 86_400_000).as('deadline'), eb.val('open').as('status')])
        .where('lifecycle', 'in', ['at_risk', 'lapsed'])
        // The plans' ids as the tests have always had them (SQLite read them along the at-stake index).
        .orderBy('atStakeMinor')
        .orderBy('customerId'),
    )
    .execute();
}

/** Seeding once per test file is the slow part; each test gets a copy of this template. */
const seededCopy = filledOnce(fillDemo);

/**
 * Scores as the analytics engine writes them (one ScoreSnapshot per customer for this week),
 * derived from the seeded orders so the card has real figures to show.
 */
async function writeScores({ kysely }: StoreHandle): Promise<void> {
  const customers = await kysely
    .selectFrom('Customer as c')
    .leftJoin('Order as o', 'o.customerId', 'c.id')
    .select((eb) => ['c.id', eb.fn.count<number>('o.id').as('n'), eb.fn.coalesce(eb.fn.sum<number>('o.amountMinor'), eb.lit(0)).as('spend'), eb.fn.max('o.orderedAt').as('last')])
    .groupBy('c.id')
    .orderBy('c.id')
    .execute();
  // What the scoring run stores as bought lately: the categories of the last 365 days' purchases, first bought first.
  const bought = await kysely
    .selectFrom('Order')
    .select((eb) => ['customerId', eb.fn<string>('lower', [eb.fn('trim', ['category'])]).as('category')])
    .where('amountMinor', '>', 0)
    .where('orderedAt', '>', NOW.getTime() - 365 * 86_400_000)
    .where('category', 'is not', null)
    .orderBy('customerId')
    .orderBy('orderedAt')
    .orderBy('id')
    .execute();
  const lately = new Map<number, Set<string>>();
  for (const { customerId, category } of bought) lately.set(customerId, (lately.get(customerId) ?? new Set()).add(category));
  const tiers = ['A', 'B', 'C', 'D'] as const;
  const TAIL_CLASSES = ['head', 'frequent-small', 'rare-large', 'long-tail'] as const;
  const lifecycles = ['active', 'at_risk', 'lapsed', 'new', 'active'] as const;
  const rows = customers.map((c) => {
    const daysSince = c.last === null ? null : Math.floor((NOW.getTime() - c.last) / 86_400_000);
    const tier = tiers[c.id % 4]!;
    const lifecycle = c.n === 0 ? 'prospect' : lifecycles[c.id % 5]!;
    const risk = lifecycle === 'at_risk' ? 0.64 : lifecycle === 'lapsed' ? 0.85 : 0.1;
    const reason =
      c.n === 0
        ? { code: 'no_orders' }
        : { code: risk > 0.5 ? 'overdue_vs_rhythm' : 'on_rhythm', daysSinceLast: daysSince ?? 0, typicalIntervalDays: 18, purchaseDays: c.n, riskModel: 'rhythm' };
    return {
      customerId: c.id, week: '2026-W48', computedAt: NOW.getTime(), asOf: NOW.getTime(), recencyDays: daysSince, frequency: Math.max(0, c.n - 1),
      monetaryMinor: c.n ? Math.round(c.spend / c.n) : 0, lifetimeMinor: c.spend, orderCount: c.n, lastOrderAt: c.last,
      rScore: 1 + (c.id % 5), fScore: 1 + ((c.id + 1) % 5), mScore: 1 + ((c.id + 2) % 5), tier, valueBand: tier === 'A' ? 'high' : tier === 'D' ? 'low' : 'mid',
      longTail: c.n === 0 ? 'none' : TAIL_CLASSES[c.id % 4]!, lowMargin: c.id % 7 === 3, lifecycle, pAlive: 1 - risk, expected30: 1.2, expected90: 3.5,
      expectedAovMinor: 42_000, clv12Minor: 250_000 + c.id * 1000, churnRisk: risk, churnReason: JSON.stringify(reason),
      atStakeMinor: Math.round((250_000 + c.id * 1000) * risk), categories: categoriesOf([...(lately.get(c.id) ?? [])]),
    };
  });
  if (rows.length > 0) await kysely.insertInto('ScoreSnapshot').values(rows).execute();
}

/** Category keys as a score row stores them: `|a|b|`, '' for none. */
function categoriesOf(keys: readonly string[]): string {
  return keys.length === 0 ? '' : `|${keys.join('|')}|`;
}

export interface CommandHarness<D extends StoreDatabase = Database> {
  db: D;
  clock: ManualClock;
  /** Types a line as a user (a rep email on the console, a platform user id elsewhere). */
  app: App;
  say(userId: string, text: string, platform?: Platform): Promise<Reply>;
  /** Presses a button (or sends a raw payload, e.g. a forged one). */
  press(userId: string, action: CommandAction | string, platform?: Platform): Promise<Reply>;
  errors: unknown[];
  cleanup(): Promise<void>;
}

/** The background jobs in the test's own thread. */
export function backgroundJobsFor(db: StoreDatabase): BackgroundJobs {
  return inProcessJobs(db);
}

/**
 * The services main.ts builds (main.ts itself also wires the scheduler and scoring), with a chart stand-in.
 * Uploads wait beside a SQLite file; give `uploadsDir` for PostgreSQL.
 */
export function servicesFor(
  db: StoreDatabase, clock: Clock = new ManualClock(NOW), notifiers: ReadonlyMap<Platform, Notifier> = new Map(), uploadsDir?: string,
): Services {
  const background = backgroundJobsFor(db);
  const buildDigest: DigestBuilder = digestsDrawnBy(db, async () => new Uint8Array());
  const render: NudgeRenderer = createNudgeRenderer(db, { currency: 'CNY', defaultLocale: 'en', buildDigest });
  return {
    ...createStorageServices(db, background),
    digests: createDigestService(db, buildDigest),
    outbox: createOutboxView(db),
    nudges: createNudgeMessages({ outbox: createOutboxStore(db), render, notifiers, clock, logger: { warn() {} } }),
    models: createModelReportService(background),
    imports: createImportService({
      background, clock, uploadsDir: uploadsDir ?? uploadsBeside(db), afterOrdersChanged() {},
    }),
  };
}

/** Where a test's chat uploads wait: beside a SQLite file, or this process's own folder in the temp dir on PostgreSQL (made on the first upload). */
function uploadsBeside(db: StoreDatabase): string {
  return db.engine === 'sqlite' ? path.join(path.dirname(db.file), 'uploads') : path.join(os.tmpdir(), `rapport-test-uploads-${process.pid}`);
}

/**
 * A fresh copy of the seeded demo database (120 customers, scored, at NOW) on `engine` (SQLite
 * unless told); `cleanup` closes and removes it.
 */
export async function seededDatabase<E extends TestEngine>(engine: E): Promise<{ db: EngineTestDatabase<E>; cleanup(): Promise<void> }>;
export async function seededDatabase(): Promise<{ db: EngineTestDatabase<'sqlite'>; cleanup(): Promise<void> }>;
export async function seededDatabase(engine: TestEngine = unnamedEngine()) {
  const db = await seededCopy(engine);
  return { db, cleanup: db.cleanup };
}

/**
 * A copy of the seeded demo database and the real dispatcher over it, at a fixed clock, on
 * `engine` (SQLite unless told: a file that runs on both passes describeEngines' engine).
 * `notifiers`: the running platforms' notifiers, which update sent nudges (a chat adapter's test fills it).
 */
export async function commandHarness<E extends TestEngine>(
  options: Pick<Partial<DispatcherDeps>, 'workspaces'> & { notifiers?: ReadonlyMap<Platform, Notifier>; engine: E },
): Promise<CommandHarness<EngineTestDatabase<E>>>;
export async function commandHarness(
  options?: Pick<Partial<DispatcherDeps>, 'workspaces'> & { notifiers?: ReadonlyMap<Platform, Notifier> },
): Promise<CommandHarness<EngineTestDatabase<'sqlite'>>>;
export async function commandHarness(
  { notifiers, engine = unnamedEngine(), ...extra }: Pick<Partial<DispatcherDeps>, 'workspaces'> & { notifiers?: ReadonlyMap<Platform, Notifier>; engine?: TestEngine } = {},
): Promise<CommandHarness<StoreDatabase>> {
  const db = await seededCopy(engine);
  // Uploads wait beside a SQLite file; PostgreSQL has no such place.
  const uploads = db.engine === 'sqlite' ? null : tempDir('rapport-uploads-');
  const cleanup = async () => {
    await db.cleanup();
    uploads?.cleanup();
  };
  try {
    const clock = new ManualClock(NOW);
    const errors: unknown[] = [];
    const deps: DispatcherDeps = {
      commands,
      services: servicesFor(db, clock, notifiers, uploads?.dir),
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
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The harness of a test on either engine (describeEngines). */
export type AnyEngineHarness = CommandHarness<StoreDatabase>;

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

/** A rep's row by email (the demo's reps are fixed; their ids are not promised). */
export async function repByEmail({ kysely }: StoreHandle, email: string) {
  return kysely.selectFrom('Rep').selectAll().where('email', '=', email).executeTakeFirstOrThrow(() => new Error(`repByEmail: no rep ${email}`));
}

/** A rep's id by email. */
export async function repIdOf(db: StoreHandle, email: string): Promise<number> {
  return (await repByEmail(db, email)).id;
}

/** The audit trail in the order it was written. */
export async function auditRows({ kysely }: StoreHandle): Promise<{ repId: number | null; action: string; target: string; detail: string; at: number }[]> {
  return kysely.selectFrom('AuditLog').select(['repId', 'action', 'target', 'detail', 'at']).orderBy('id').execute();
}

/** A customer row joined to its owner, as `customerWhere`'s filters see it (`c`, `r`). */
export type CustomerWithOwner = ExpressionBuilder<Schema & { c: Schema['Customer']; r: Schema['Rep'] }, 'c' | 'r'>;

/** A `customerWhere` filter: the customer has an email and a phone on file. */
export const withContacts = (eb: CustomerWithOwner) => eb.and([eb('c.email', 'is not', null), eb('c.phone', 'is not', null)]);

/**
 * Customer facts straight from the database, to pick test subjects without hard-coding seeds:
 * the first (by id) customer of the rep `ownerEmail` that passes `where`.
 */
export async function customerWhere({ kysely }: StoreHandle, ownerEmail: string, where: (eb: CustomerWithOwner) => Expression<SqlBool> = (eb) => eb.lit(true)) {
  const found = await kysely
    .selectFrom('Customer as c')
    .innerJoin('Rep as r', 'r.id', 'c.ownerId')
    .select(['c.id', 'c.externalId', 'c.name', 'c.email', 'c.phone', 'c.ownerId', 'r.email as ownerEmail', 'r.teamId'])
    .where('r.email', '=', ownerEmail)
    .where(where)
    .orderBy('c.id')
    .limit(1)
    .executeTakeFirst();
  if (!found) throw new Error(`customerWhere: no customer of ${ownerEmail} matches`);
  return found;
}
