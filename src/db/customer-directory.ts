import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { BookScope } from '../domain/actor.js';
import { normalizePhone } from '../domain/phone.js';
import { closestNames } from '../domain/similarity.js';
import { birthdayKeysFor, datesFrom, isBirthdayOn } from '../domain/schedule/birthday.js';
import {
  SEARCH_COUNT_CAP,
  type CustomerCard,
  type CustomerDirectory,
  type CustomerListRow,
  type CustomerSummary,
  type ExportRow,
  type HistoryEntry,
  type PurchaseSummary,
} from '../commands/ports.js';
import type { OptionValues } from '../commands/options.js';
import { DAY_MS } from '../domain/calendar.js';
import { latestSnapshot } from '../scoring/snapshots.js';
import { refreshTouched } from './callback-book.js';
import { inSegmentOrder, segmentFrom, segmentStart, segmentWhere, tableAs, withinBook, type SegmentQuery } from './customer-segments.js';
import { addressesOf } from './identity-directory.js';
import type { Schema } from './schema.js';
import type { StoreDatabase } from './store-database.js';
import { writeTransaction } from './stores/store.js';

/** How many candidate names a "did you mean" pulls per index probe before ranking them. */
const SUGGESTION_POOL = 200;
/** PostgreSQL: how many customers a typo's candidate names are first looked for among, in id order (firstNamesHolding; tests walk fewer). */
const NAME_WALK = 20_000;
/** The phone-tail index (migration customer_search) covers the last 8 digits. */
const PHONE_TAIL = 8;
const TRIGRAM = 3;
/** What a customer bought "lately" on the card: the last 12 months. */
const PURCHASE_WINDOW_MS = 365 * DAY_MS;
const TOP_PURCHASES = 3;
/** Referrals named on a card; the count says how many in all. */
const REFERRALS_SHOWN = 3;

/** SQLite's FTS5 trigram table over Customer.name (migration customer_search): SQLite's alone. */
type SearchTables = Schema & { CustomerNameTrigram: { rowid: number; CustomerNameTrigram: string } };
type CustomerTables = SearchTables & { c: Schema['Customer'] };
type CustomerQuery = SelectQueryBuilder<CustomerTables, 'c', object>;
type CustomerExpressions = ExpressionBuilder<CustomerTables, 'c'>;

/**
 * Customer reads and writes on Kysely, either engine: a lookup runs several queries and must
 * stay within a few milliseconds on a million customers. Every query is bounded by an index:
 * keys by their unique/B-tree indexes, names of 3+ characters through SQLite's FTS5 trigram
 * table or PostgreSQL's pg_trgm index, 1–2 character CJK names through the gram table, and a
 * rep's own book through the owner index. Matches come in customer id order on both engines, so
 * both show the same customers when more match than a reply holds.
 */
export function createCustomerDirectory(db: StoreDatabase, { nameWalk = NAME_WALK }: { nameWalk?: number } = {}): CustomerDirectory {
  const { engine } = db;
  const kysely = db.kysely.withTables<{ CustomerNameTrigram: { rowid: number; CustomerNameTrigram: string } }>();
  const inBook = (query: CustomerQuery, scope: BookScope, where: (eb: CustomerExpressions) => Expression<SqlBool>[]) =>
    query.where((eb) => eb.and([...where(eb), ...withinBook(eb, scope)]));
  const customers = () => kysely.selectFrom('Customer as c') as unknown as CustomerQuery;
  const idsOf = async (query: SelectQueryBuilder<CustomerTables, 'c', { id: number }>) => (await query.execute()).map((row) => row.id);
  const namesOf = async (query: SelectQueryBuilder<CustomerTables, 'c', { name: string }>) => (await query.execute()).map((row) => row.name);

  /** Customers by one key as summaries, in id order (each key's index holds its rows in that order). */
  const summariesBy = (scope: BookScope, where: (eb: CustomerExpressions) => Expression<SqlBool>[], limit = SEARCH_COUNT_CAP + 1): Promise<CustomerSummary[]> =>
    inBook(customers(), scope, where).leftJoin('Rep as r', 'r.id', 'c.ownerId').select(SUMMARY_COLUMNS).orderBy('c.id').limit(limit).execute();

  /** Exact key matches (external id, email, phone, name), each customer once, by key then id; ids only: a name may match a thousand. */
  async function exactIds(q: string, scope: BookScope): Promise<Set<number>> {
    const keys: ((eb: CustomerExpressions) => Expression<SqlBool>[])[] = [(eb) => [eb('c.externalId', 'in', [q, q.toUpperCase()])]];
    if (q.includes('@')) keys.push((eb) => [eb('c.email', '=', q.toLowerCase())]);
    const phone = normalizePhone(q);
    if (phone && /^[\d\s()+\-./]+$/.test(q)) {
      keys.push((eb) => [eb('c.phone', '=', phone)]);
      const digits = phone.replace(/^\+/, '');
      if (digits.length >= PHONE_TAIL) {
        // The tail index is on SQLite's substr(phone, -8), PostgreSQL's right(phone, 8); digits need no LIKE escape.
        const tail = engine === 'sqlite' ? sql`substr(${sql.ref('c.phone')}, ${sql.lit(-PHONE_TAIL)})` : sql`right(${sql.ref('c.phone')}, ${sql.lit(PHONE_TAIL)})`;
        keys.push((eb) => [eb(tail, '=', digits.slice(-PHONE_TAIL)), eb('c.phone', 'like', `%${digits}`)]);
      }
    }
    keys.push((eb) => [eb('c.name', '=', q)]);
    // One statement for every key (Kysely costs tens of microseconds a statement): each key its own subquery
    // through its own index, up to the count cap; the key's rank keeps them in key order.
    const [first, ...rest] = keys.map((where, rank) =>
      kysely.selectFrom(inBook(customers(), scope, where).select([sql.lit(rank).as('rank'), 'c.id']).orderBy('c.id').limit(SEARCH_COUNT_CAP + 1).as(`k${rank}`)).selectAll(),
    );
    const rows = await rest.reduce((union, key) => union.unionAll(key), first!).execute();
    return new Set(rows.sort((a, b) => a.rank - b.rank || a.id - b.id).map((row) => row.id));
  }

  /** Names holding `text` without regard to case, in customer id order, through the engine's trigram index. */
  function namesHolding(scope: BookScope, phrases: string[][]) {
    if (engine === 'sqlite') {
      // FTS5: OR of AND groups of quoted phrases; its rowid order is the customer id order.
      const match = phrases.map((group) => `(${group.map(ftsPhrase).join(' AND ')})`).join(' OR ');
      return inBook(
        kysely.selectFrom('CustomerNameTrigram as f').innerJoin('Customer as c', 'c.id', 'f.rowid') as unknown as CustomerQuery,
        scope,
        () => [sql<SqlBool>`${sql.ref('CustomerNameTrigram')} MATCH ${match}`],
      ).orderBy(sql.ref('f.rowid'));
    }
    // pg_trgm's GIN index answers ILIKE '%…%' (and ANDs and ORs of them); for a text many names hold, the planner
    // walks customers in id order through Customer_id_name_idx instead (migration customer_lookup_plans).
    return inBook(customers(), scope, (eb) => [eb.or(phrases.map((group) => eb.and(group.map((text) => eb('c.name', 'ilike', `%${likeEscaped(text)}%`)))))]).orderBy('c.id');
  }

  /**
   * PostgreSQL: the first `limit` names in customer id order that hold any group of phrases, as namesHolding finds
   * them. The planner takes the ANDed texts of a group as independent and expects a few dozen rows where one typo's
   * neighbouring trigrams find a common name in thousands, then rechecks them all on the table (half a second on a
   * million); so the first `nameWalk` customers are walked in id order through the covering index first (cheap
   * where matches are dense), and only what that walk leaves is asked of the trigram index (cheap where they are few).
   */
  async function firstNamesHolding(scope: BookScope, phrases: string[][], limit: number): Promise<string[]> {
    // A LIMIT in the subquery keeps the phrases out of it: the walk reads `nameWalk` index entries at most. Each name is
    // folded once there, as ILIKE folds it (lower() in the column's collation) for every phrase it is asked about.
    const firstCustomers = kysely
      .selectFrom('Customer')
      .select(['id', 'name', 'ownerId', sql<string>`lower(${sql.ref('name')})`.as('folded')])
      .orderBy('id')
      .limit(nameWalk)
      .as('c');
    const holds = (text: string) => sql<SqlBool>`${sql.ref('c.folded')} LIKE lower(${`%${likeEscaped(text)}%`})`;
    const walk = inBook(kysely.selectFrom(firstCustomers) as unknown as CustomerQuery, scope, (eb) => [eb.or(phrases.map((group) => eb.and(group.map(holds))))]);
    const walked = await namesOf(walk.select('c.name').orderBy('c.id').limit(limit));
    if (walked.length === limit) return walked;
    // Past the walk's last customer (none when the walk read them all: NULL matches nothing).
    const walkEnd = kysely.selectFrom('Customer').select('id').orderBy('id').offset(nameWalk - 1).limit(1);
    return [...walked, ...(await namesOf(namesHolding(scope, phrases).where('c.id', '>', walkEnd).select('c.name').limit(limit - walked.length)))];
  }

  async function partialIds(q: string, scope: BookScope, limit = SEARCH_COUNT_CAP + 1): Promise<number[]> {
    if (scope.kind === 'owner') {
      // A rep's book is small: reading it through the owner index beats any name index. SQLite says instr, PostgreSQL strpos.
      const holds = engine === 'sqlite' ? 'instr' : 'strpos';
      return idsOf(inBook(customers(), scope, (eb) => [eb(eb.fn<number>(holds, [eb.fn('lower', ['c.name']), eb.fn('lower', [eb.val(q)])]), '>', 0)]).select('c.id').orderBy('c.id').limit(limit));
    }
    const length = [...q].length;
    if (length >= TRIGRAM) return idsOf(namesHolding(scope, [[q]]).select('c.id').limit(limit));
    if (isCjk(q)) {
      return idsOf(
        inBook(kysely.selectFrom('CustomerNameGram as g').innerJoin('Customer as c', 'c.id', 'g.customerId') as unknown as CustomerQuery, scope, (eb) => [
          eb(sql.ref('g.gram'), '=', q),
        ])
          .select('c.id')
          .orderBy(sql.ref('g.customerId'))
          .limit(limit),
      );
    }
    // One or two Latin letters: names that start with them, through the name index.
    const prefix = capitalize(q);
    return idsOf(inBook(customers(), scope, (eb) => startsWith(eb, prefix)).select('c.id').orderBy('c.name').orderBy('c.id').limit(limit));
  }

  async function summaries(customerIds: number[]): Promise<CustomerSummary[]> {
    if (customerIds.length === 0) return [];
    return byName(await kysely.selectFrom('Customer as c').leftJoin('Rep as r', 'r.id', 'c.ownerId').select(SUMMARY_COLUMNS).where('c.id', 'in', customerIds).execute());
  }

  async function candidateNames(q: string, scope: BookScope): Promise<string[]> {
    if (scope.kind === 'owner') return namesOf(inBook(customers(), scope, () => []).select('c.name').distinct());
    const found: string[] = [];
    for (const char of [...new Set([...q].filter((c) => isCjk(c)))].slice(0, 4)) {
      const gram = kysely.selectFrom('CustomerNameGram as g').innerJoin('Customer as c', 'c.id', 'g.customerId') as unknown as CustomerQuery;
      found.push(...(await namesOf(inBook(gram, scope, (eb) => [eb(sql.ref('g.gram'), '=', char)]).select('c.name').orderBy(sql.ref('g.customerId')).limit(SUGGESTION_POOL))));
    }
    const grams = trigrams(q.toLowerCase());
    if (grams.length >= 2) {
      // One typo breaks the trigrams around it; any two neighbours that survive find the name.
      const pairs = grams.slice(1).map((gram, i) => [grams[i]!, gram]);
      found.push(...(engine === 'sqlite' ? await namesOf(namesHolding(scope, pairs).select('c.name').limit(SUGGESTION_POOL)) : await firstNamesHolding(scope, pairs, SUGGESTION_POOL)));
    }
    const prefix = capitalize([...q].slice(0, 2).join(''));
    found.push(...(await namesOf(inBook(customers(), scope, (eb) => startsWith(eb, prefix)).select('c.name').orderBy('c.name').orderBy('c.id').limit(SUGGESTION_POOL))));
    return found;
  }

  const refunded = (eb: ExpressionBuilder<Schema & { o: Schema['Order'] }, 'o'>) =>
    eb.exists(
      eb
        .selectFrom('Order as x')
        .select('x.id')
        // A refund order names this order (its customer's orders only: the refund index is theirs).
        .whereRef('x.customerId', '=', 'o.customerId')
        .where('o.externalId', 'is not', null)
        .whereRef('x.refundOf', '=', 'o.externalId'),
    );

  async function purchasesOf(customerId: number, now: Date): Promise<PurchaseSummary> {
    const since = now.getTime() - PURCHASE_WINDOW_MS;
    const top = async (column: 'category' | 'product') => {
      const trimmed = sql<string>`trim(${sql.ref(column)})`;
      const spellings = await kysely
        .selectFrom('Order')
        .select([trimmed.as('name'), sql<number>`sum(${sql.ref('amountMinor')})`.as('spendMinor')])
        .where('customerId', '=', customerId)
        .where('orderedAt', '>=', since)
        .where('orderedAt', '<=', now.getTime())
        .where(sql<string | null>`nullif(${trimmed}, '')`, 'is not', null)
        .groupBy(trimmed)
        .execute();
      return mergedByCase(spellings)
        .filter((item) => item.spendMinor > 0)
        .sort((a, b) => b.spendMinor - a.spendMinor || byCodePoint(a.name, b.name))
        .slice(0, TOP_PURCHASES);
    };
    const last = await kysely
      .selectFrom('Order as o')
      .select((eb) => ['o.orderedAt as at', 'o.product', 'o.category', 'o.amountMinor', refunded(eb).as('refunded')])
      .where('o.customerId', '=', customerId)
      .where('o.amountMinor', '>', 0)
      .where('o.orderedAt', '<=', now.getTime())
      .orderBy('o.orderedAt', 'desc')
      .orderBy('o.id', 'desc')
      .limit(TOP_PURCHASES)
      .execute();
    return {
      topCategories: await top('category'),
      topProducts: await top('product'),
      lastItems: last.map((item) => ({ ...item, at: new Date(item.at), refunded: Boolean(item.refunded) })),
    };
  }

  /** How many orders and contacts a customer has: for a page past the end, which holds no row to carry the count. */
  async function historyCount(customerId: number): Promise<number> {
    const counts = await kysely
      .selectNoFrom((eb) => [
        eb.selectFrom('Order').select((o) => o.fn.countAll<number>().as('n')).where('customerId', '=', customerId).as('orders'),
        eb.selectFrom('Interaction').select((i) => i.fn.countAll<number>().as('n')).where('customerId', '=', customerId).as('interactions'),
      ])
      .executeTakeFirstOrThrow();
    return counts.orders! + counts.interactions!;
  }

  /** A segment in segment order, starting where it reads fewest rows for `rows` rows. */
  async function segment(filter: Parameters<CustomerDirectory['list']>[0], scope: BookScope, rows: number): Promise<SegmentQuery> {
    const start = await segmentStart(db, filter, scope, rows);
    return inSegmentOrder(segmentFrom(db, start).where(segmentWhere(engine, filter, scope, start)));
  }

  const listColumns = (query: SegmentQuery) =>
    query
      .leftJoin('Rep as r', 'r.id', 'c.ownerId')
      .select((eb) => [
        'c.id',
        'c.externalId',
        'c.name',
        'c.email',
        'c.phone',
        'c.ownerId',
        'r.name as ownerName',
        's.tier',
        's.lifecycle',
        's.churnRisk',
        eb.fn.coalesce('s.clv12Minor', 's.lifetimeMinor').as('valueMinor'),
        's.atStakeMinor',
      ]);

  return {
    async search(query, scope, limit) {
      const q = query.trim();
      if (q === '') return { matches: [], total: 0 };
      const exact = await exactIds(q, scope);
      const found = exact.size > 0 ? [...exact] : await partialIds(q, scope);
      return { matches: await summaries(found.slice(0, limit)), total: found.length };
    },

    async complete(prefix, scope, limit) {
      const q = prefix.trim();
      if (q === '') return summaries(await idsOf(inBook(customers(), scope, () => []).select('c.id').orderBy('c.name').orderBy('c.id').limit(limit)));
      const found = await exactIds(q, scope);
      // External ids as they are typed: "C0001…" finds them by the unique index.
      const typed = q.toUpperCase();
      const byExternalId = inBook(customers(), scope, (eb) => [eb('c.externalId', '>=', typed), eb('c.externalId', '<', `${typed}\uffff`)]);
      for (const id of await idsOf(byExternalId.select('c.id').orderBy('c.externalId').limit(limit))) found.add(id);
      if (found.size < limit) for (const id of await partialIds(q, scope, limit)) found.add(id);
      return summaries([...found].slice(0, limit));
    },

    async upcomingBirthdays(scope, today, days, limit) {
      const dates = datesFrom(today, days);
      const keys = birthdayKeysFor(dates);
      if (keys.length === 0) return [];
      // One query for every day: an OR of (month, day) pairs, each through the birthday index.
      const rows = await inBook(customers(), scope, (eb) => [
        eb.or(keys.map((key) => eb.and([eb('c.birthdayMonth', '=', key.month), eb('c.birthdayDay', '=', key.day)]))),
        eb('c.greetingOptOut', '=', false),
      ])
        .select(['c.id', 'c.externalId', 'c.name', 'c.birthdayMonth as month', 'c.birthdayDay as day'])
        .execute();
      return rows
        .map((c) => ({ id: c.id, externalId: c.externalId, name: c.name, inDays: dates.findIndex((d) => isBirthdayOn({ month: c.month!, day: c.day! }, d)) }))
        .filter((c) => c.inDays >= 0)
        .sort((a, b) => a.inDays - b.inDays || a.name.localeCompare(b.name))
        .slice(0, limit);
    },

    async suggest(query, scope, limit) {
      const q = query.trim();
      if (q === '') return [];
      return closestNames(q, new Set(await candidateNames(q, scope)), limit);
    },

    async summary(customerId, scope) {
      return (await summariesBy(scope, (eb) => [eb('c.id', '=', customerId)], 1))[0] ?? null;
    },

    async card(customerId, now) {
      // Each statement reads through this customer's index entries (test/db/customer-card-plans.test.ts). Kysely costs
      // tens of microseconds a statement, so the customer's scalar parts (tickets, ratings, referrer) come in one.
      const rated = (eb: ExpressionBuilder<Schema & { i: Schema['Interaction'] }, 'i'>) => eb.and([eb('i.customerId', '=', customerId), eb('i.satisfaction', 'is not', null)]);
      const customer = await kysely
        .selectFrom('Customer as c')
        .leftJoin('Rep as r', 'r.id', 'c.ownerId')
        .leftJoin('Customer as p', 'p.id', 'c.referredById')
        .select((eb) => [
          'c.id', 'c.externalId', 'c.name', 'c.email', 'c.phone', 'c.ownerId', 'r.name as ownerName', 'c.region', 'c.tags',
          'c.birthdayMonth', 'c.birthdayDay', 'c.birthdayYear', 'r.slackUserId', 'r.discordUserId', 'p.id as referrerId', 'p.name as referrerName',
          eb.selectFrom('Ticket').select((t) => t.fn.countAll<number>().as('n')).where('Ticket.customerId', '=', customerId).where('Ticket.status', '=', 'open').as('openTickets'),
          eb.selectFrom('Interaction as i').select('i.satisfaction').where(rated).orderBy('i.at', 'desc').orderBy('i.id', 'desc').limit(1).as('lastRating'),
          eb.selectFrom('Interaction as i').select((i) => i.fn.avg<number>('i.satisfaction').as('a')).where(rated).as('averageRating'),
          eb.selectFrom('Interaction as i').select((i) => i.fn.count<number>('i.satisfaction').as('n')).where(rated).as('ratings'),
        ])
        .where('c.id', '=', customerId)
        .executeTakeFirst();
      if (!customer) return null;
      const orders = await kysely
        .selectFrom('Order')
        .select((eb) => [
          eb.fn.coalesce(eb.fn.sum<number>('amountMinor'), sql.lit(0)).as('lifetimeMinor'),
          eb.fn.countAll<number>().as('orderCount'),
          eb.fn.max(eb.case().when('amountMinor', '>', 0).then(eb.ref('orderedAt')).end()).as('lastOrderAt'),
        ])
        .where('customerId', '=', customerId)
        .executeTakeFirstOrThrow();
      const callback = await kysely
        // Named index on SQLite: without statistics the planner takes the (status, dueAt) one to skip a sort,
        // and walks every open callback of every customer to find none for this one.
        .selectFrom(tableAs(engine, 'Callback', 'k', 'Callback_customerId_status_idx'))
        .select(['k.id', 'k.dueAt', 'k.timed', 'k.note'])
        .where('k.customerId', '=', customerId)
        .where('k.status', '=', 'open')
        .orderBy('k.dueAt')
        .orderBy('k.id')
        .limit(1)
        .executeTakeFirst();
      const latest = (handover: boolean) =>
        kysely
          .selectFrom('Interaction as i')
          .leftJoin('Rep as r', 'r.id', 'i.repId')
          .select(['i.kind', 'i.at', 'i.text', 'r.name as repName'])
          .where('i.customerId', '=', customerId)
          .where('i.kind', handover ? '=' : '<>', 'handover')
          .orderBy('i.at', 'desc')
          .orderBy('i.id', 'desc')
          .limit(1)
          .executeTakeFirst();
      const interaction = await latest(false);
      const handover = await latest(true);
      // Named index on SQLite: while few customers are referred, ANALYZE sees one value (NULL) in the whole
      // column and the planner would scan every customer (~200 ms a card on a million).
      const referrals = await kysely
        .selectFrom(tableAs(engine, 'Customer', 'c', 'Customer_referredById_idx'))
        .select('c.name')
        .where('c.referredById', '=', customerId)
        .orderBy('c.createdAt', 'desc')
        .orderBy('c.id', 'desc')
        .execute();
      const score = await latestSnapshot(db, customerId);
      const { region, tags, birthdayMonth, birthdayDay, birthdayYear, slackUserId, discordUserId, referrerId, referrerName, openTickets, lastRating, averageRating, ratings, ...summary } = customer;
      const card: CustomerCard = {
        ...summary,
        ownerAddresses: addressesOf({ slackUserId: slackUserId ?? null, discordUserId: discordUserId ?? null }),
        region,
        tags: tags.split(',').filter(Boolean),
        birthday: birthdayMonth && birthdayDay ? { month: birthdayMonth, day: birthdayDay, year: birthdayYear } : null,
        lifetimeMinor: orders.lifetimeMinor,
        orderCount: orders.orderCount,
        lastOrderAt: orders.lastOrderAt === null ? null : new Date(orders.lastOrderAt),
        score,
        purchases: await purchasesOf(customerId, now),
        nextCallback: callback ? { id: callback.id, dueAt: new Date(callback.dueAt), timed: callback.timed, note: callback.note } : null,
        lastInteraction: interaction ? { ...interaction, at: new Date(interaction.at) } : null,
        satisfaction: ratings && lastRating !== null && averageRating !== null ? { last: lastRating, average: averageRating, count: ratings } : null,
        referredBy: referrerId === null || referrerName === null ? null : { id: referrerId, name: referrerName },
        referrals: { count: referrals.length, names: referrals.slice(0, REFERRALS_SHOWN).map((row) => row.name) },
        handover: handover ? { at: new Date(handover.at), text: handover.text } : null,
        openTickets: openTickets ?? 0,
      };
      return card;
    },

    async list(filter, scope, page) {
      const query = await segment(filter, scope, page.offset + page.limit + 1);
      const rows: CustomerListRow[] = (await listColumns(query).limit(page.limit + 1).offset(page.offset).execute()).map(asListRow);
      return { rows: rows.slice(0, page.limit), more: rows.length > page.limit };
    },

    async count(filter, scope, upTo) {
      const narrow = await segmentStart(db, filter, scope, upTo ?? Number.POSITIVE_INFINITY);
      const start = narrow === 'walk' ? 'any' : narrow;
      const matches = segmentFrom(db, start).where(segmentWhere(engine, filter, scope, start)).select('s.atStakeMinor');
      const counted = await kysely
        .selectFrom((upTo === undefined ? matches : matches.limit(upTo + 1)).as('m'))
        .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.coalesce(eb.fn.sum<number>('m.atStakeMinor'), sql.lit(0)).as('atStake')])
        .executeTakeFirstOrThrow();
      const more = upTo !== undefined && counted.total > upTo;
      return { total: more ? upTo : counted.total, more, atStakeTotalMinor: counted.atStake };
    },

    async exportRows(filter, scope, limit) {
      const query = await segment(filter, scope, limit + 1);
      const rows = await listColumns(query)
        .select([
          'c.region', 'c.tags', 'c.birthdayYear', 'c.birthdayMonth', 'c.birthdayDay', 's.valueBand', 's.longTail', 's.lowMargin',
          's.clv12Minor', 's.lastOrderAt', 's.crossSell',
        ])
        .limit(limit + 1)
        .execute();
      return {
        more: rows.length > limit,
        rows: rows.slice(0, limit).map(({ birthdayYear, birthdayMonth, birthdayDay, lastOrderAt, ...row }): ExportRow => ({
          ...asListRow(row),
          region: row.region,
          tags: row.tags,
          valueBand: row.valueBand,
          longTail: row.longTail,
          lowMargin: row.lowMargin,
          clv12Minor: row.clv12Minor,
          crossSell: row.crossSell,
          birthday: birthdayText(birthdayYear, birthdayMonth, birthdayDay),
          lastOrderAt: lastOrderAt === null ? null : new Date(lastOrderAt),
        })),
      };
    },

    async history(customerId, page) {
      // Orders and interactions of one customer in one timeline, newest first (each through its (customerId, time) index).
      const none = sql<null>`NULL`;
      const orders = kysely
        .selectFrom('Order as o')
        .select((eb) => [
          sql<'order' | 'interaction'>`'order'`.as('type'), 'o.orderedAt as at', 'o.id', 'o.externalId', 'o.product', 'o.category', sql<number | null>`${eb.ref('o.amountMinor')}`.as('amountMinor'), 'o.refundOf',
          refunded(eb).as('refunded'), sql<string | null>`${none}`.as('kind'), sql<string | null>`${none}`.as('repName'), sql<string | null>`${none}`.as('text'),
          sql<number | null>`${none}`.as('satisfaction'),
        ])
        .where('o.customerId', '=', customerId);
      const interactions = kysely
        .selectFrom('Interaction as i')
        .leftJoin('Rep as r', 'r.id', 'i.repId')
        .select([
          sql<'order' | 'interaction'>`'interaction'`.as('type'), 'i.at', 'i.id', none.as('externalId'), none.as('product'), none.as('category'), none.as('amountMinor'),
          none.as('refundOf'), sql<boolean>`${sql.lit(false)}`.as('refunded'), 'i.kind', 'r.name as repName', 'i.text', 'i.satisfaction',
        ])
        .where('i.customerId', '=', customerId);
      const rows = await kysely
        .selectFrom(orders.unionAll(interactions).as('h'))
        // The count comes with the page: the timeline is sorted whole anyway.
        .select(['h.type', 'h.at', 'h.id', 'h.externalId', 'h.product', 'h.category', 'h.amountMinor', 'h.refundOf', 'h.refunded', 'h.kind', 'h.repName', 'h.text', 'h.satisfaction', sql<number>`count(*) over ()`.as('total')])
        .orderBy('h.at', 'desc')
        .orderBy('h.type', 'desc')
        .orderBy('h.id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const total = rows[0]?.total ?? (page.offset === 0 ? 0 : await historyCount(customerId));
      return {
        total,
        entries: rows.map((row): HistoryEntry =>
          row.type === 'order'
            ? { type: 'order', at: new Date(row.at), externalId: row.externalId, product: row.product, category: row.category, amountMinor: row.amountMinor!, refundOf: row.refundOf, refunded: Boolean(row.refunded) }
            : { type: 'interaction', at: new Date(row.at), kind: row.kind!, repName: row.repName, text: row.text ?? '', satisfaction: row.satisfaction },
        ),
      };
    },

    async assign(customerId, ownerId) {
      await writeTransaction(db, async (trx) => {
        // Its open callbacks follow (trigger Customer_owner_moves_callbacks).
        await trx.updateTable('Customer').set({ ownerId, updatedAt: Date.now() }).where('id', '=', customerId).execute();
        // The new owner's team may keep other cadences.
        await refreshTouched(db, trx, [customerId]);
      });
    },

    async editTags(customerId, add, remove) {
      return writeTransaction(db, async (trx) => {
        const stored = await trx.selectFrom('Customer').select('tags').where('id', '=', customerId).executeTakeFirst();
        const before = (stored?.tags ?? '').split(',').filter(Boolean);
        const removed = new Set(remove.map((tag) => tag.toLowerCase()));
        const after = before.filter((tag) => !removed.has(tag.toLowerCase()));
        for (const tag of add) if (!after.some((kept) => kept.toLowerCase() === tag.toLowerCase())) after.push(tag);
        // The CustomerTag index follows through its trigger.
        if (after.join(',') !== before.join(',')) await trx.updateTable('Customer').set({ tags: after.join(','), updatedAt: Date.now() }).where('id', '=', customerId).execute();
        return { before, after };
      });
    },

    async saveQuery(repId, command, options) {
      const json = JSON.stringify(Object.fromEntries(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1))));
      await kysely.insertInto('SavedQuery').values({ repId, command, options: json, createdAt: Date.now() }).onConflict((oc) => oc.doNothing()).execute();
      const saved = await kysely.selectFrom('SavedQuery').select('id').where('repId', '=', repId).where('command', '=', command).where('options', '=', json).executeTakeFirstOrThrow();
      return saved.id;
    },

    async savedQuery(id, repId, command) {
      const saved = await kysely.selectFrom('SavedQuery').select('options').where('id', '=', id).where('repId', '=', repId).where('command', '=', command).executeTakeFirst();
      return saved === undefined ? null : (JSON.parse(saved.options) as OptionValues);
    },

    async addInteraction(interaction) {
      return writeTransaction(db, async (trx) => {
        const at = interaction.at.getTime();
        const row = await trx
          .insertInto('Interaction')
          .values({ customerId: interaction.customerId, repId: interaction.repId, kind: interaction.kind, at, text: interaction.text, satisfaction: interaction.satisfaction, createdAt: at })
          .returning('id')
          .executeTakeFirstOrThrow();
        await refreshTouched(db, trx, [interaction.customerId]);
        return { id: row.id };
      });
    },
  };
}

const SUMMARY_COLUMNS = ['c.id', 'c.externalId', 'c.name', 'c.email', 'c.phone', 'c.ownerId', 'r.name as ownerName'] as const;

/** Summaries as a reply lists them: by name, then external id. */
function byName(rows: CustomerSummary[]): CustomerSummary[] {
  return rows.sort((a, b) => a.name.localeCompare(b.name) || a.externalId.localeCompare(b.externalId));
}

/** A list row as the port has it (`tier` as stored: the scorer writes only tiers). */
function asListRow<R extends Omit<CustomerListRow, 'tier'> & { tier: string }>(row: R): CustomerListRow {
  const { id, externalId, name, email, phone, ownerId, ownerName, tier, lifecycle, churnRisk, valueMinor, atStakeMinor } = row;
  return { id, externalId, name, email, phone, ownerId, ownerName, tier: tier as CustomerListRow['tier'], lifecycle, churnRisk, valueMinor, atStakeMinor };
}

/** Names from `prefix` on through the name index: `name >= prefix AND name < prefix + U+FFFF` (code-point order; a C or C.UTF-8 collation on PostgreSQL). */
function startsWith(eb: CustomerExpressions, prefix: string): Expression<SqlBool>[] {
  return [eb('c.name', '>=', prefix), eb('c.name', '<', `${prefix}\uffff`)];
}

/**
 * Equal without regard to case, as PostgreSQL's ICU "nocase" collation (migration
 * customer_knowledge) compares: in code, so the card reads the same on both engines (SQLite's
 * NOCASE folds A-Z only, so Öl and öl stayed two categories there).
 */
const caseBlind = new Intl.Collator('und', { sensitivity: 'accent' });

/** One entry per name written in several cases, its spend summed, shown in its first spelling in code-point order. */
function mergedByCase(spellings: readonly { name: string; spendMinor: number }[]): { name: string; spendMinor: number }[] {
  // Sorted by the collation, the spellings of one name stand side by side.
  const sorted = [...spellings].sort((a, b) => caseBlind.compare(a.name, b.name) || byCodePoint(a.name, b.name));
  const merged: { name: string; spendMinor: number }[] = [];
  for (const spelling of sorted) {
    const last = merged.at(-1);
    if (last && caseBlind.compare(last.name, spelling.name) === 0) last.spendMinor += spelling.spendMinor;
    else merged.push({ ...spelling });
  }
  return merged;
}

/** Code-point order (as SQLite's BINARY and PostgreSQL's C.UTF-8 compare), not UTF-16 units. */
function byCodePoint(a: string, b: string): number {
  const [x, y] = [[...a], [...b]];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const diff = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return x.length - y.length;
}

/** `text` as a LIKE pattern's literal part (backslash is PostgreSQL's default LIKE escape). */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** A birthday as an export writes it: 1990-03-15, or --03-15 without the year. */
function birthdayText(year: number | null, month: number | null, day: number | null): string | null {
  if (!month || !day) return null;
  const md = `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return year ? `${year}-${md}` : `--${md}`;
}

/** An FTS5 string literal: the text as one phrase, quotes doubled. */
function ftsPhrase(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

function trigrams(text: string): string[] {
  const chars = [...text];
  return chars.slice(0, -2).map((_, i) => chars.slice(i, i + TRIGRAM).join(''));
}

/** CJK ideographs (Extension A and the unified block), the characters the gram table indexes. */
function isCjk(text: string): boolean {
  return [...text].every((char) => {
    const code = char.codePointAt(0)!;
    return code >= 0x3400 && code <= 0x9fff;
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}
