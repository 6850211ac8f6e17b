import type { Sqlite } from '../db/database.js';
import type { ImportKind } from './columns.js';
import type { CustomerRow, InteractionRow, OrderRow, RepRow } from './row-schemas.js';
import type { RunWriter, StoredRow, Values, WriteOutcome } from './table-writer.js';

/** Why a valid-looking row cannot be applied (it names a customer or rep that does not exist). */
export interface ApplyRejection {
  column: string;
  problem: string;
  value: string;
}

/** A customer row that looks like another customer already stored (not merged: a person decides). */
export interface PossibleDuplicate {
  externalId: string;
  otherExternalId: string;
  /** email | phone */
  sharedField: 'email' | 'phone';
  value: string;
}

/**
 * A row whose key an earlier line of the same file already had: the later line won (it updated
 * what the earlier one wrote), or, for identical orders without an order id, both were kept.
 */
export interface RepeatedRow {
  line: number;
  /** The earlier line, when known (orders with an order id only know that there was one). */
  firstLine: number | null;
  /** What the key is, as the file names it: "external_id C1", "order id O5", "email a@x". */
  key: string;
  outcome: 'later_line_won' | 'kept_both';
}

export interface ApplyContext {
  sqlite: Sqlite;
  writer: RunWriter;
  /** --create-missing: an order or interaction for an unknown customer creates a stub customer. */
  createMissing: boolean;
  onDuplicate(duplicate: PossibleDuplicate): void;
  onRepeatedRow(repeat: RepeatedRow): void;
  onStubCustomer(externalId: string): void;
}

export type ApplyResult = WriteOutcome | { rejected: ApplyRejection };
/** Applies one valid row; `line` is its physical line in the file, for messages. */
export type Applier<Row> = (row: Row, line: number) => ApplyResult;

/** The first line of the file that had each key, to tell a repeated key which line it repeats. */
function firstLines(context: ApplyContext, describe: (key: string) => string): (key: string, line: number) => void {
  const seen = new Map<string, number>();
  return (key, line) => {
    const first = seen.get(key);
    if (first === undefined) seen.set(key, line);
    else context.onRepeatedRow({ line, firstLine: first, key: describe(key), outcome: 'later_line_won' });
  };
}

/** Lookups by key, remembered for the run (bounded: files of millions of rows reference many customers). */
function cachedLookup<T>(lookup: (key: string) => T, limit = 200_000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    const cached = cache.get(key);
    if (cached !== undefined || cache.has(key)) return cached as T;
    const value = lookup(key);
    if (cache.size >= limit) cache.clear();
    cache.set(key, value);
    return value;
  };
}

type RepReference = { id: number } | { problem: string };

/** A rep named by email, or by name when exactly one rep has it. */
function repResolver(sqlite: Sqlite): (reference: string) => RepReference {
  const byEmail = sqlite.prepare('SELECT id FROM Rep WHERE email = ?').pluck();
  const byName = sqlite.prepare('SELECT id FROM Rep WHERE name = ? LIMIT 2').pluck();
  return cachedLookup((reference) => {
    const id = byEmail.get(reference.toLowerCase()) as number | undefined;
    if (id !== undefined) return { id };
    const named = byName.all(reference) as number[];
    if (named.length === 1) return { id: named[0]! };
    return { problem: named.length === 0 ? 'no rep has this email or name (import reps first)' : 'several reps have this name; use the email' };
  });
}

/** Customer ids by external id; unknown ones become stubs with --create-missing, else a rejection. */
function customerResolver(context: ApplyContext, column: string): (externalId: string) => number | { rejected: ApplyRejection } {
  const byExternalId = context.sqlite.prepare('SELECT id FROM Customer WHERE externalId = ?').pluck();
  const lookup = cachedLookup((externalId) => (byExternalId.get(externalId) as number | undefined) ?? null);
  const stubs = new Map<string, number>();
  return (externalId) => {
    const id = lookup(externalId) ?? stubs.get(externalId);
    if (id !== undefined) return id;
    if (!context.createMissing) {
      return { rejected: { column, problem: 'no customer has this external id (import customers first, or use --create-missing)', value: externalId } };
    }
    // A stub carries the external id as its name until a customers import fills it in.
    const stubId = context.writer.insert('customer', { externalId, name: externalId, tags: '', greetingOptOut: 0 });
    stubs.set(externalId, stubId);
    context.onStubCustomer(externalId);
    return stubId;
  };
}

/** Copies a column the file has (undefined = column absent, left as stored); no array per row. */
function setPresent(values: Values, column: string, value: string | number | boolean | null | undefined): void {
  if (value !== undefined) values[column] = typeof value === 'boolean' ? Number(value) : value;
}

function upsert(writer: RunWriter, entity: 'customer' | 'order' | 'rep' | 'interaction', stored: StoredRow | undefined, values: Values): WriteOutcome {
  if (!stored) {
    writer.insert(entity, values);
    return 'inserted';
  }
  return writer.update(entity, stored, values);
}

function customersApplier(context: ApplyContext, headerOf: Map<string, string>): Applier<CustomerRow> {
  const { sqlite, writer } = context;
  const stored = sqlite.prepare('SELECT * FROM Customer WHERE externalId = ?');
  const sameEmail = sqlite.prepare('SELECT externalId FROM Customer WHERE email = ? AND externalId <> ? LIMIT 1').pluck();
  const samePhone = sqlite.prepare('SELECT externalId FROM Customer WHERE phone = ? AND externalId <> ? LIMIT 1').pluck();
  const rep = repResolver(sqlite);
  const repeated = firstLines(context, (key) => `${headerOf.get('external_id') ?? 'external_id'} ${key}`);
  return (row, line) => {
    let ownerId: number | null | undefined = row.owner === undefined ? undefined : null;
    if (typeof row.owner === 'string') {
      const owner = rep(row.owner);
      if ('problem' in owner) return { rejected: { column: headerOf.get('owner') ?? 'owner', problem: owner.problem, value: row.owner } };
      ownerId = owner.id;
    }
    const values: Values = { externalId: row.external_id, name: row.name };
    setPresent(values, 'email', row.email);
    setPresent(values, 'phone', row.phone);
    setPresent(values, 'birthdayMonth', row.birthday === undefined ? undefined : (row.birthday?.month ?? null));
    setPresent(values, 'birthdayDay', row.birthday === undefined ? undefined : (row.birthday?.day ?? null));
    setPresent(values, 'birthdayYear', row.birthday === undefined ? undefined : (row.birthday?.year ?? null));
    setPresent(values, 'timeZone', row.timezone);
    setPresent(values, 'region', row.region);
    setPresent(values, 'tags', row.tags === null ? '' : row.tags);
    setPresent(values, 'ownerId', ownerId);
    setPresent(values, 'greetingOptOut', row.greeting_opt_out === null ? false : row.greeting_opt_out);
    repeated(row.external_id, line);
    const before = stored.get(row.external_id) as StoredRow | undefined;
    const outcome = upsert(writer, 'customer', before, values);
    // Checked after the write, so two new rows in one file that share a phone are caught too.
    if (row.email && row.email !== before?.email) {
      const other = sameEmail.get(row.email, row.external_id) as string | undefined;
      if (other) context.onDuplicate({ externalId: row.external_id, otherExternalId: other, sharedField: 'email', value: row.email });
    }
    if (row.phone && row.phone !== before?.phone) {
      const other = samePhone.get(row.phone, row.external_id) as string | undefined;
      if (other) context.onDuplicate({ externalId: row.external_id, otherExternalId: other, sharedField: 'phone', value: row.phone });
    }
    return outcome;
  };
}

/**
 * Orders are keyed by external id; without one, by the natural key (customer, ordered_at, amount,
 * product) and its occurrence in the file: the n-th row of a file with the same natural key is
 * occurrence n. Identical rows of one file are so kept as separate orders (and reported), while
 * importing the same export again, or an overlapping one, matches occurrence n to the stored
 * occurrence n and adds nothing twice. A refund may name the order it refunds (refund_of).
 */
function ordersApplier(context: ApplyContext, headerOf: Map<string, string>): Applier<OrderRow> {
  const { sqlite, writer } = context;
  const byExternalId = sqlite.prepare('SELECT * FROM "Order" WHERE externalId = ?');
  const byNaturalKey = sqlite.prepare(
    'SELECT * FROM "Order" WHERE customerId = ? AND orderedAt = ? AND amountMinor = ? AND product IS ? AND externalId IS NULL AND occurrence = ? LIMIT 1',
  );
  const customerOfOrder = sqlite.prepare('SELECT customerId FROM "Order" WHERE externalId = ?').pluck();
  const customer = customerResolver(context, headerOf.get('customer') ?? 'customer');
  const refundColumn = headerOf.get('refund_of') ?? 'refund_of';
  const orderIdColumn = headerOf.get('external_id') ?? 'external_id';
  // Natural key → [rows seen so far in this file, the first one's line].
  const occurrences = new Map<string, [number, number]>();
  return (row, line) => {
    const customerId = customer(row.customer);
    if (typeof customerId !== 'number') return customerId;
    if (row.refund_of) {
      if (row.amount >= 0) return { rejected: { column: refundColumn, problem: 'only a refund (a negative amount) names an original order', value: row.refund_of } };
      const owner = customerOfOrder.get(row.refund_of) as number | undefined;
      if (owner === undefined) return { rejected: { column: refundColumn, problem: 'no order has this order id (import the original order first)', value: row.refund_of } };
      if (owner !== customerId) return { rejected: { column: refundColumn, problem: 'that order is another customer’s', value: row.refund_of } };
    }
    const values: Values = { customerId, orderedAt: row.ordered_at, amountMinor: row.amount };
    setPresent(values, 'externalId', row.external_id);
    setPresent(values, 'marginMinor', row.margin);
    setPresent(values, 'product', row.product);
    setPresent(values, 'category', row.category);
    setPresent(values, 'refundOf', row.refund_of);
    if (row.external_id) {
      // New orders are the bulk of large files: try the insert first, look up only on a clash.
      if (writer.insertIfAbsent('order', values, 'externalId') !== null) return 'inserted';
      const stored = byExternalId.get(row.external_id) as StoredRow;
      if (stored.importRunId === writer.runId) context.onRepeatedRow({ line, firstLine: null, key: `${orderIdColumn} ${row.external_id}`, outcome: 'later_line_won' });
      return writer.update('order', stored, values);
    }
    const key = `${customerId}\u0000${row.ordered_at}\u0000${row.amount}\u0000${row.product ?? '\u0001'}`;
    const seen = occurrences.get(key);
    const occurrence = seen ? ++seen[0] : 1;
    if (seen) context.onRepeatedRow({ line, firstLine: seen[1], key: 'customer, date, amount and product', outcome: 'kept_both' });
    else occurrences.set(key, [1, line]);
    values.occurrence = occurrence;
    return upsert(writer, 'order', byNaturalKey.get(customerId, row.ordered_at, row.amount, row.product ?? null, occurrence) as StoredRow | undefined, values);
  };
}

/** Reps are keyed by email; a team named in the file is created when it does not exist. */
function repsApplier(context: ApplyContext, headerOf: Map<string, string>): Applier<RepRow> {
  const { sqlite, writer } = context;
  const stored = sqlite.prepare('SELECT * FROM Rep WHERE email = ?');
  const teamByName = sqlite.prepare('SELECT id FROM Team WHERE name = ?').pluck();
  const slackOwner = sqlite.prepare('SELECT email FROM Rep WHERE slackUserId = ? AND email <> ?').pluck();
  const discordOwner = sqlite.prepare('SELECT email FROM Rep WHERE discordUserId = ? AND email <> ?').pluck();
  const teamId = (name: string): number => (teamByName.get(name) as number | undefined) ?? writer.insert('team', { name });
  const repeated = firstLines(context, (key) => `${headerOf.get('email') ?? 'email'} ${key}`);
  return (row, line) => {
    for (const [column, id, owner] of [
      ['slack_user_id', row.slack_user_id, slackOwner],
      ['discord_user_id', row.discord_user_id, discordOwner],
    ] as const) {
      const taken = id ? (owner.get(id, row.email) as string | undefined) : undefined;
      if (taken) return { rejected: { column: headerOf.get(column) ?? column, problem: `already linked to rep ${taken}`, value: id! } };
    }
    const values: Values = { email: row.email, name: row.name };
    setPresent(values, 'role', row.role === null ? 'rep' : row.role);
    setPresent(values, 'teamId', typeof row.team === 'string' ? teamId(row.team) : row.team);
    setPresent(values, 'slackUserId', row.slack_user_id);
    setPresent(values, 'discordUserId', row.discord_user_id);
    setPresent(values, 'timeZone', row.timezone);
    setPresent(values, 'locale', row.locale);
    repeated(row.email, line);
    return upsert(writer, 'rep', stored.get(row.email) as StoredRow | undefined, values);
  };
}

/** Interactions have no id in the source: keyed by (customer, rep, kind, at); note and satisfaction update. */
function interactionsApplier(context: ApplyContext, headerOf: Map<string, string>): Applier<InteractionRow> {
  const { sqlite, writer } = context;
  const byNaturalKey = sqlite.prepare('SELECT * FROM Interaction WHERE customerId = ? AND repId IS ? AND kind = ? AND at = ? LIMIT 1');
  const customer = customerResolver(context, headerOf.get('customer') ?? 'customer');
  const rep = repResolver(sqlite);
  const repeated = firstLines(context, () => 'customer, rep, kind and time');
  return (row, line) => {
    let repId: number | null = null;
    if (row.rep) {
      const found = rep(row.rep);
      if ('problem' in found) return { rejected: { column: headerOf.get('rep') ?? 'rep', problem: found.problem, value: row.rep } };
      repId = found.id;
    }
    const customerId = customer(row.customer);
    if (typeof customerId !== 'number') return customerId;
    const values: Values = { customerId, repId, kind: row.kind, at: row.at };
    setPresent(values, 'text', row.note === null ? '' : row.note);
    setPresent(values, 'satisfaction', row.satisfaction);
    repeated(`${customerId}\u0000${repId}\u0000${row.kind}\u0000${row.at}`, line);
    return upsert(writer, 'interaction', byNaturalKey.get(customerId, repId, row.kind, row.at) as StoredRow | undefined, values);
  };
}

export const appliers = {
  customers: customersApplier,
  orders: ordersApplier,
  reps: repsApplier,
  interactions: interactionsApplier,
} satisfies Record<ImportKind, (context: ApplyContext, headerOf: Map<string, string>) => Applier<never>>;
