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
import type { Statement } from 'better-sqlite3';
import { DAY_MS } from '../domain/calendar.js';
import { latestSnapshot } from '../scoring/snapshots.js';
import { refreshCheckIns } from './check-ins.js';
import { scopeSql, SEGMENT_ORDER, segmentFrom, segmentStart, segmentWhere } from './customer-segments.js';
import type { Sqlite } from './database.js';
import { addressesOf } from './identity-directory.js';

/** How many candidate names a "did you mean" pulls per index probe before ranking them. */
const SUGGESTION_POOL = 200;
/** The phone-tail index (migration customer_search) covers the last 8 digits. */
const PHONE_TAIL = 8;
const TRIGRAM = 3;
/** What a customer bought "lately" on the card: the last 12 months. */
const PURCHASE_WINDOW_MS = 365 * DAY_MS;
const TOP_PURCHASES = 3;
/** Referrals named on a card; the count says how many in all. */
const REFERRALS_SHOWN = 3;

/**
 * Customer reads and writes on raw prepared statements: a lookup runs several queries and
 * must stay within a few milliseconds on a million customers (Prisma costs ~0.5 ms a query).
 * Every query is bounded by an index: keys by their unique/B-tree indexes, names of 3+
 * characters through the FTS5 trigram table, 1–2 character CJK names through the gram
 * table, and a rep's own book through the owner index.
 */
export function createCustomerDirectory(sqlite: Sqlite): CustomerDirectory {
  const statements = new Map<string, Statement<unknown[]>>();
  const prepared = (sql: string): Statement<unknown[]> => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = sqlite.prepare<unknown[]>(sql)));
    return statement;
  };
  const ids = (sql: string, scope: BookScope, ...params: unknown[]): number[] => {
    const { clause, values } = scopeSql(scope);
    return (prepared(sql.replace('{scope}', clause)).pluck().all(...params, ...values) as number[]);
  };

  function exactIds(q: string, scope: BookScope): number[] {
    const found = new Set<number>();
    const key = (sql: string, ...params: unknown[]) => {
      for (const id of ids(`SELECT c.id FROM Customer c WHERE ${sql} {scope} LIMIT ${SEARCH_COUNT_CAP + 1}`, scope, ...params)) found.add(id);
    };
    key('c.externalId IN (?, ?)', q, q.toUpperCase());
    if (q.includes('@')) key('c.email = ?', q.toLowerCase());
    const phone = normalizePhone(q);
    if (phone && /^[\d\s()+\-./]+$/.test(q)) {
      key('c.phone = ?', phone);
      const digits = phone.replace(/^\+/, '');
      if (digits.length >= PHONE_TAIL) {
        key(`substr(c.phone, -${PHONE_TAIL}) = ? AND c.phone LIKE ?`, digits.slice(-PHONE_TAIL), `%${digits}`);
      }
    }
    key('c.name = ?', q);
    return [...found];
  }

  function partialIds(q: string, scope: BookScope, limit = SEARCH_COUNT_CAP + 1): number[] {
    const cap = `LIMIT ${limit}`;
    if (scope.kind === 'owner') {
      // A rep's book is small: reading it through the owner index beats any name index.
      return ids(`SELECT c.id FROM Customer c WHERE instr(lower(c.name), lower(?)) > 0 {scope} ${cap}`, scope, q);
    }
    const length = [...q].length;
    if (length >= TRIGRAM) {
      return ids(
        `SELECT c.id FROM CustomerNameTrigram f JOIN Customer c ON c.id = f.rowid WHERE CustomerNameTrigram MATCH ? {scope} ${cap}`,
        scope,
        ftsPhrase(q),
      );
    }
    if (isCjk(q)) {
      return ids(`SELECT g.customerId FROM CustomerNameGram g JOIN Customer c ON c.id = g.customerId WHERE g.gram = ? {scope} ${cap}`, scope, q);
    }
    // One or two Latin letters: names that start with them, through the name index.
    const prefix = capitalize(q);
    return ids(`SELECT c.id FROM Customer c WHERE c.name >= ? AND c.name < ? {scope} ${cap}`, scope, prefix, `${prefix}\uffff`);
  }

  function summaries(customerIds: number[]): CustomerSummary[] {
    if (customerIds.length === 0) return [];
    const rows = prepared(
      `SELECT c.id, c.externalId, c.name, c.email, c.phone, c.ownerId, r.name AS ownerName
       FROM Customer c LEFT JOIN Rep r ON r.id = c.ownerId WHERE c.id IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(customerIds)) as CustomerSummary[];
    return rows.sort((a, b) => a.name.localeCompare(b.name) || a.externalId.localeCompare(b.externalId));
  }

  function candidateNames(q: string, scope: BookScope): string[] {
    const { clause, values } = scopeSql(scope);
    const names = (sql: string, ...params: unknown[]) =>
      prepared(sql.replace('{scope}', clause)).pluck().all(...params, ...values) as string[];
    if (scope.kind === 'owner') return names('SELECT DISTINCT c.name FROM Customer c WHERE 1 = 1 {scope}');
    const found: string[] = [];
    for (const char of [...new Set([...q].filter((c) => isCjk(c)))].slice(0, 4)) {
      found.push(...names(`SELECT c.name FROM CustomerNameGram g JOIN Customer c ON c.id = g.customerId WHERE g.gram = ? {scope} LIMIT ${SUGGESTION_POOL}`, char));
    }
    const grams = trigrams(q.toLowerCase());
    if (grams.length >= 2) {
      // One typo breaks the trigrams around it; any two neighbours that survive find the name.
      const pairs = grams.slice(1).map((gram, i) => `(${ftsPhrase(grams[i]!)} AND ${ftsPhrase(gram)})`).join(' OR ');
      found.push(...names(`SELECT c.name FROM CustomerNameTrigram f JOIN Customer c ON c.id = f.rowid WHERE CustomerNameTrigram MATCH ? {scope} LIMIT ${SUGGESTION_POOL}`, pairs));
    }
    const prefix = capitalize([...q].slice(0, 2).join(''));
    found.push(...names(`SELECT c.name FROM Customer c WHERE c.name >= ? AND c.name < ? {scope} LIMIT ${SUGGESTION_POOL}`, prefix, `${prefix}\uffff`));
    return found;
  }

  const newestWeek = () => (prepared('SELECT MAX(week) FROM ScoreSnapshot').pluck().get() as string | null) ?? null;

  function purchasesOf(customerId: number, now: Date): PurchaseSummary {
    const since = now.getTime() - PURCHASE_WINDOW_MS;
    const top = (column: 'category' | 'product') =>
      prepared(
        `SELECT TRIM(${column}) AS name, SUM(amountMinor) AS spendMinor FROM "Order"
         WHERE customerId = ? AND orderedAt >= ? AND orderedAt <= ? AND NULLIF(TRIM(${column}), '') IS NOT NULL
         GROUP BY TRIM(${column}) COLLATE NOCASE HAVING spendMinor > 0 ORDER BY spendMinor DESC, name LIMIT ${TOP_PURCHASES}`,
      ).all(customerId, since, now.getTime()) as PurchaseSummary['topCategories'];
    const last = prepared(
      `SELECT o.orderedAt AS at, o.product, o.category, o.amountMinor, ${REFUNDED_SQL} AS refunded FROM "Order" o
       WHERE o.customerId = ? AND o.amountMinor > 0 AND o.orderedAt <= ? ORDER BY o.orderedAt DESC, o.id DESC LIMIT ${TOP_PURCHASES}`,
    ).all(customerId, now.getTime()) as { at: number; product: string | null; category: string | null; amountMinor: number; refunded: number }[];
    return {
      topCategories: top('category'),
      topProducts: top('product'),
      lastItems: last.map((item) => ({ ...item, at: new Date(item.at), refunded: item.refunded === 1 })),
    };
  }

  return {
    async search(query, scope, limit) {
      const q = query.trim();
      if (q === '') return { matches: [], total: 0 };
      const exact = exactIds(q, scope);
      const found = exact.length > 0 ? exact : partialIds(q, scope);
      return { matches: summaries(found.slice(0, limit)), total: found.length };
    },

    async complete(prefix, scope, limit) {
      const q = prefix.trim();
      if (q === '') return summaries(ids(`SELECT c.id FROM Customer c WHERE 1 = 1 {scope} ORDER BY c.name, c.id LIMIT ${limit}`, scope));
      const found = new Set(exactIds(q, scope));
      // External ids as they are typed: "C0001…" finds them by the unique index.
      for (const id of ids(`SELECT c.id FROM Customer c WHERE c.externalId >= ? AND c.externalId < ? {scope} LIMIT ${limit}`, scope, q.toUpperCase(), `${q.toUpperCase()}\uffff`)) {
        found.add(id);
      }
      if (found.size < limit) for (const id of partialIds(q, scope, limit)) found.add(id);
      return summaries([...found].slice(0, limit));
    },

    async upcomingBirthdays(scope, today, days, limit) {
      const dates = datesFrom(today, days);
      const found = birthdayKeysFor(dates).flatMap((key) =>
        ids('SELECT c.id FROM Customer c WHERE c.birthdayMonth = ? AND c.birthdayDay = ? AND c.greetingOptOut = 0 {scope}', scope, key.month, key.day),
      );
      const rows = prepared(
        'SELECT id, externalId, name, birthdayMonth AS month, birthdayDay AS day FROM Customer WHERE id IN (SELECT value FROM json_each(?))',
      ).all(JSON.stringify(found)) as { id: number; externalId: string; name: string; month: number; day: number }[];
      return rows
        .map((c) => ({ id: c.id, externalId: c.externalId, name: c.name, inDays: dates.findIndex((d) => isBirthdayOn(c, d)) }))
        .filter((c) => c.inDays >= 0)
        .sort((a, b) => a.inDays - b.inDays || a.name.localeCompare(b.name))
        .slice(0, limit);
    },

    async suggest(query, scope, limit) {
      const q = query.trim();
      if (q === '') return [];
      return closestNames(q, new Set(candidateNames(q, scope)), limit);
    },

    async summary(customerId, scope) {
      const [id] = ids('SELECT c.id FROM Customer c WHERE c.id = ? {scope}', scope, customerId);
      return id === undefined ? null : (summaries([id])[0] ?? null);
    },

    async card(customerId, now) {
      const customer = prepared(
        `SELECT c.id, c.externalId, c.name, c.email, c.phone, c.ownerId, r.name AS ownerName, c.region, c.tags,
                c.birthdayMonth, c.birthdayDay, c.birthdayYear, r.slackUserId, r.discordUserId, c.referredById
         FROM Customer c LEFT JOIN Rep r ON r.id = c.ownerId WHERE c.id = ?`,
      ).get(customerId) as (CustomerSummary & CustomerRow) | undefined;
      if (!customer) return null;
      const orders = prepared(
        'SELECT COALESCE(SUM(amountMinor), 0) AS lifetimeMinor, COUNT(*) AS orderCount, MAX(CASE WHEN amountMinor > 0 THEN orderedAt END) AS lastOrderAt FROM "Order" WHERE customerId = ?',
      ).get(customerId) as { lifetimeMinor: number; orderCount: number; lastOrderAt: number | null };
      const callback = prepared(
        // Named index: without statistics the planner takes the (status, dueAt) one to skip a sort,
        // and walks every open callback of every customer to find none for this one.
        "SELECT id, dueAt, timed, note FROM Callback INDEXED BY Callback_customerId_status_idx WHERE customerId = ? AND status = 'open' ORDER BY dueAt LIMIT 1",
      ).get(customerId) as { id: number; dueAt: number; timed: number; note: string } | undefined;
      const interaction = prepared(
        "SELECT i.kind, i.at, i.text, r.name AS repName FROM Interaction i LEFT JOIN Rep r ON r.id = i.repId WHERE i.customerId = ? AND i.kind <> 'handover' ORDER BY i.at DESC LIMIT 1",
      ).get(customerId) as { kind: string; at: number; text: string; repName: string | null } | undefined;
      const { region, tags, birthdayMonth, birthdayDay, birthdayYear, slackUserId, discordUserId, referredById, ...summary } = customer;
      const ratings = prepared(
        `SELECT (SELECT satisfaction FROM Interaction WHERE customerId = @id AND satisfaction IS NOT NULL ORDER BY at DESC, id DESC LIMIT 1) AS last,
           AVG(satisfaction) AS average, COUNT(satisfaction) AS count FROM Interaction WHERE customerId = @id AND satisfaction IS NOT NULL`,
      ).get({ id: customerId }) as { last: number | null; average: number | null; count: number };
      // Named index: while few customers are referred, ANALYZE sees one value (NULL) in the whole
      // column and the planner would scan every customer (~200 ms a card on a million).
      const referrals = prepared('SELECT name FROM Customer INDEXED BY Customer_referredById_idx WHERE referredById = ? ORDER BY createdAt DESC, id DESC')
        .pluck()
        .all(customerId) as string[];
      const referrer = referredById === null ? undefined : (prepared('SELECT id, name FROM Customer WHERE id = ?').get(referredById) as { id: number; name: string } | undefined);
      const handover = prepared("SELECT at, text FROM Interaction WHERE customerId = ? AND kind = 'handover' ORDER BY at DESC, id DESC LIMIT 1").get(customerId) as { at: number; text: string } | undefined;
      const openTickets = prepared("SELECT COUNT(*) FROM Ticket WHERE customerId = ? AND status = 'open'").pluck().get(customerId) as number;
      const card: CustomerCard = {
        ...summary,
        ownerAddresses: addressesOf({ slackUserId, discordUserId }),
        region,
        tags: tags.split(',').filter(Boolean),
        birthday: birthdayMonth && birthdayDay ? { month: birthdayMonth, day: birthdayDay, year: birthdayYear } : null,
        lifetimeMinor: orders.lifetimeMinor,
        orderCount: orders.orderCount,
        lastOrderAt: orders.lastOrderAt === null ? null : new Date(orders.lastOrderAt),
        score: latestSnapshot(sqlite, customerId),
        purchases: purchasesOf(customerId, now),
        nextCallback: callback ? { id: callback.id, dueAt: new Date(callback.dueAt), timed: callback.timed === 1, note: callback.note } : null,
        lastInteraction: interaction ? { ...interaction, at: new Date(interaction.at) } : null,
        satisfaction: ratings.count > 0 && ratings.last !== null ? { last: ratings.last, average: ratings.average!, count: ratings.count } : null,
        referredBy: referrer ?? null,
        referrals: { count: referrals.length, names: referrals.slice(0, REFERRALS_SHOWN) },
        handover: handover ? { at: new Date(handover.at), text: handover.text } : null,
        openTickets,
      };
      return card;
    },

    async list(filter, scope, page) {
      const week = newestWeek();
      if (week === null) return { rows: [], more: false };
      const start = segmentStart(sqlite, filter, scope, page.offset + page.limit + 1);
      const where = segmentWhere(filter, scope, week, start);
      const rows = prepared(
        `SELECT ${LIST_COLUMNS} FROM ${segmentFrom(start)} LEFT JOIN Rep r ON r.id = c.ownerId WHERE ${where.sql} ${SEGMENT_ORDER} LIMIT ? OFFSET ?`,
      ).all(...where.values, page.limit + 1, page.offset) as CustomerListRow[];
      return { rows: rows.slice(0, page.limit), more: rows.length > page.limit };
    },

    async count(filter, scope, upTo) {
      const week = newestWeek();
      if (week === null) return { total: 0, more: false, atStakeTotalMinor: 0 };
      const narrow = segmentStart(sqlite, filter, scope, upTo ?? Number.POSITIVE_INFINITY);
      const start = narrow === 'walk' ? 'any' : narrow;
      const where = segmentWhere(filter, scope, week, start);
      const counted = prepared(
        `SELECT COUNT(*) AS total, COALESCE(SUM(atStakeMinor), 0) AS atStake FROM (SELECT s.atStakeMinor FROM ${segmentFrom(start)} WHERE ${where.sql} LIMIT ?)`,
      ).get(...where.values, upTo === undefined ? -1 : upTo + 1) as { total: number; atStake: number };
      const more = upTo !== undefined && counted.total > upTo;
      return { total: more ? upTo : counted.total, more, atStakeTotalMinor: counted.atStake };
    },

    async exportRows(filter, scope, limit) {
      const week = newestWeek();
      if (week === null) return { rows: [], more: false };
      const start = segmentStart(sqlite, filter, scope, limit + 1);
      const where = segmentWhere(filter, scope, week, start);
      const rows = prepared(
        `SELECT ${LIST_COLUMNS}, c.region, c.tags, c.birthdayYear, c.birthdayMonth, c.birthdayDay, s.valueBand, s.longTail, s.lowMargin,
                s.clv12Minor, s.lastOrderAt, s.crossSell
         FROM ${segmentFrom(start)} LEFT JOIN Rep r ON r.id = c.ownerId WHERE ${where.sql} ${SEGMENT_ORDER} LIMIT ?`,
      ).all(...where.values, limit + 1) as (CustomerListRow & ExportRecord)[];
      return {
        more: rows.length > limit,
        rows: rows.slice(0, limit).map(({ birthdayYear, birthdayMonth, birthdayDay, lowMargin, lastOrderAt, ...row }): ExportRow => ({
          ...row,
          birthday: birthdayText(birthdayYear, birthdayMonth, birthdayDay),
          lowMargin: lowMargin === 1,
          lastOrderAt: lastOrderAt === null ? null : new Date(lastOrderAt),
        })),
      };
    },

    async history(customerId, page) {
      const total = prepared(
        'SELECT (SELECT COUNT(*) FROM "Order" WHERE customerId = @c) + (SELECT COUNT(*) FROM Interaction WHERE customerId = @c)',
      )
        .pluck()
        .get({ c: customerId }) as number;
      const rows = prepared(HISTORY_SQL).all({ c: customerId, limit: page.limit, offset: page.offset }) as HistoryRecord[];
      return {
        total,
        entries: rows.map((row): HistoryEntry =>
          row.type === 'order'
            ? { type: 'order', at: new Date(row.at), externalId: row.externalId, product: row.product, category: row.category, amountMinor: row.amountMinor!, refundOf: row.refundOf, refunded: row.refunded === 1 }
            : { type: 'interaction', at: new Date(row.at), kind: row.kind!, repName: row.repName, text: row.text ?? '', satisfaction: row.satisfaction },
        ),
      };
    },

    async assign(customerId, ownerId) {
      sqlite.transaction(() => {
        // Its open callbacks follow (trigger Customer_owner_moves_callbacks).
        prepared('UPDATE Customer SET ownerId = ?, updatedAt = ? WHERE id = ?').run(ownerId, Date.now(), customerId);
        // The new owner's team may keep other cadences.
        refreshCheckIns(sqlite, { customerIds: [customerId] });
      })();
    },

    async editTags(customerId, add, remove) {
      return sqlite.transaction(() => {
        const stored = prepared('SELECT tags FROM Customer WHERE id = ?').pluck().get(customerId) as string | undefined;
        const before = (stored ?? '').split(',').filter(Boolean);
        const removed = new Set(remove.map((tag) => tag.toLowerCase()));
        const after = before.filter((tag) => !removed.has(tag.toLowerCase()));
        for (const tag of add) if (!after.some((kept) => kept.toLowerCase() === tag.toLowerCase())) after.push(tag);
        // The CustomerTag index follows through its trigger.
        if (after.join(',') !== before.join(',')) prepared('UPDATE Customer SET tags = ?, updatedAt = ? WHERE id = ?').run(after.join(','), Date.now(), customerId);
        return { before, after };
      })();
    },

    async saveQuery(repId, command, options) {
      const json = JSON.stringify(Object.fromEntries(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1))));
      prepared('INSERT INTO SavedQuery (repId, command, options, createdAt) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(repId, command, json, Date.now());
      return prepared('SELECT id FROM SavedQuery WHERE repId = ? AND command = ? AND options = ?').pluck().get(repId, command, json) as number;
    },

    async savedQuery(id, repId, command) {
      const json = prepared('SELECT options FROM SavedQuery WHERE id = ? AND repId = ? AND command = ?').pluck().get(id, repId, command) as string | undefined;
      return json === undefined ? null : (JSON.parse(json) as OptionValues);
    },

    async addInteraction(interaction) {
      return sqlite.transaction(() => {
        const result = prepared(
          'INSERT INTO Interaction (customerId, repId, kind, at, text, satisfaction, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(interaction.customerId, interaction.repId, interaction.kind, interaction.at.getTime(), interaction.text, interaction.satisfaction, interaction.at.getTime());
        refreshCheckIns(sqlite, { customerIds: [interaction.customerId] });
        return { id: Number(result.lastInsertRowid) };
      })();
    },
  };
}

/** A refund order names this order (its customer's orders only: the refund index is theirs). */
const REFUNDED_SQL = `EXISTS (SELECT 1 FROM "Order" x WHERE x.customerId = o.customerId AND o.externalId IS NOT NULL AND x.refundOf = o.externalId)`;

const LIST_COLUMNS = `c.id, c.externalId, c.name, c.email, c.phone, c.ownerId, r.name AS ownerName, s.tier, s.lifecycle, s.churnRisk,
  COALESCE(s.clv12Minor, s.lifetimeMinor) AS valueMinor, s.atStakeMinor`;

/** Orders and interactions of one customer in one timeline, newest first (each through its (customerId, time) index). */
const HISTORY_SQL = `SELECT * FROM (
    SELECT 'order' AS type, o.orderedAt AS at, o.id, o.externalId, o.product, o.category, o.amountMinor, o.refundOf, ${REFUNDED_SQL} AS refunded,
      NULL AS kind, NULL AS repName, NULL AS text, NULL AS satisfaction
    FROM "Order" o WHERE o.customerId = @c
    UNION ALL
    SELECT 'interaction', i.at, i.id, NULL, NULL, NULL, NULL, NULL, 0, i.kind, r.name, i.text, i.satisfaction
    FROM Interaction i LEFT JOIN Rep r ON r.id = i.repId WHERE i.customerId = @c)
  ORDER BY at DESC, type DESC, id DESC LIMIT @limit OFFSET @offset`;

interface HistoryRecord {
  type: 'order' | 'interaction';
  at: number;
  externalId: string | null;
  product: string | null;
  category: string | null;
  amountMinor: number | null;
  refundOf: string | null;
  refunded: number;
  kind: string | null;
  repName: string | null;
  text: string | null;
  satisfaction: number | null;
}

interface ExportRecord {
  region: string | null;
  tags: string;
  birthdayYear: number | null;
  birthdayMonth: number | null;
  birthdayDay: number | null;
  valueBand: string;
  longTail: string;
  lowMargin: number;
  clv12Minor: number | null;
  lastOrderAt: number | null;
  crossSell: string | null;
}

/** A birthday as an export writes it: 1990-03-15, or --03-15 without the year. */
function birthdayText(year: number | null, month: number | null, day: number | null): string | null {
  if (!month || !day) return null;
  const md = `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return year ? `${year}-${md}` : `--${md}`;
}

interface CustomerRow {
  referredById: number | null;
  slackUserId: string | null;
  discordUserId: string | null;
  region: string | null;
  tags: string;
  birthdayMonth: number | null;
  birthdayDay: number | null;
  birthdayYear: number | null;
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
