import type { ImportRows, StoredRow, Values, WriteOutcome } from '../db/stores/import-store.js';
import type { ImportKind } from './columns.js';
import type { CustomerRow, InteractionRow, OrderRow, RepRow } from './row-schemas.js';

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
  /** The run's reads and writes, inside its transaction. */
  rows: ImportRows;
  /** --create-missing: an order or interaction for an unknown customer creates a stub customer. */
  createMissing: boolean;
  onDuplicate(duplicate: PossibleDuplicate): void;
  onRepeatedRow(repeat: RepeatedRow): void;
  onStubCustomer(externalId: string): void;
}

export type ApplyResult = WriteOutcome | { rejected: ApplyRejection };
/**
 * Applies one valid row; `line` is its physical line in the file, for messages. `prefetch`
 * names the keys a batch of rows will look up before they are applied (PostgreSQL reads them in
 * one query instead of one round trip per row).
 */
export type Applier<Row> = ((row: Row, line: number) => Promise<ApplyResult>) & { prefetch(rows: readonly Row[]): Promise<void> };

function applier<Row>(apply: (row: Row, line: number) => Promise<ApplyResult>, prefetch: (rows: readonly Row[]) => Promise<void> = async () => {}): Applier<Row> {
  return Object.assign(apply, { prefetch });
}

/** The first line of the file that had each key, to tell a repeated key which line it repeats. */
function firstLines(context: ApplyContext, describe: (key: string) => string): (key: string, line: number) => void {
  const seen = new Map<string, number>();
  return (key, line) => {
    const first = seen.get(key);
    if (first === undefined) seen.set(key, line);
    else context.onRepeatedRow({ line, firstLine: first, key: describe(key), outcome: 'later_line_won' });
  };
}

/**
 * Lookups by key, remembered for the run (bounded: files of millions of rows reference many
 * customers). A remembered key answers at once, without a promise: most rows of a large file
 * name a customer an earlier row did, and a promise per row is a measurable part of the run.
 */
function cachedLookup<T>(lookup: (key: string) => Promise<T>, limit = 200_000): (key: string) => T | Promise<T> {
  const cache = new Map<string, T>();
  const load = async (key: string) => {
    const value = await lookup(key);
    if (cache.size >= limit) cache.clear();
    cache.set(key, value);
    return value;
  };
  return (key) => {
    const cached = cache.get(key);
    return cached !== undefined || cache.has(key) ? (cached as T) : load(key);
  };
}

type RepReference = { id: number } | { problem: string };

/** A rep named by email, or by name when exactly one rep has it. */
function repResolver(rows: ImportRows): (reference: string) => RepReference | Promise<RepReference> {
  return cachedLookup(async (reference): Promise<RepReference> => {
    const id = await rows.repIdByEmail(reference.toLowerCase());
    if (id !== undefined) return { id };
    const named = await rows.repIdsByName(reference);
    if (named.length === 1) return { id: named[0]! };
    return { problem: named.length === 0 ? 'no rep has this email or name (import reps first)' : 'several reps have this name; use the email' };
  });
}

type CustomerReference = number | { rejected: ApplyRejection };

/** Customer ids by external id (without a promise when remembered); unknown ones become stubs with --create-missing, else a rejection. */
function customerResolver(context: ApplyContext, column: string): (externalId: string) => CustomerReference | Promise<CustomerReference> {
  const lookup = cachedLookup(async (externalId) => (await context.rows.customerId(externalId)) ?? null);
  const stubs = new Map<string, number>();
  const resolve = (externalId: string, stored: number | null): CustomerReference | Promise<CustomerReference> => {
    const id = stored ?? stubs.get(externalId);
    if (id !== undefined) return id;
    return unknownCustomer(externalId);
  };
  const unknownCustomer = async (externalId: string): Promise<CustomerReference> => {
    if (!context.createMissing) {
      return { rejected: { column, problem: 'no customer has this external id (import customers first, or use --create-missing)', value: externalId } };
    }
    // A stub carries the external id as its name until a customers import fills it in.
    const stubId = await context.rows.insert('customer', { externalId, name: externalId, tags: '', greetingOptOut: 0 });
    stubs.set(externalId, stubId);
    context.onStubCustomer(externalId);
    return stubId;
  };
  return (externalId) => {
    const stored = lookup(externalId);
    return stored instanceof Promise ? stored.then((id) => resolve(externalId, id)) : resolve(externalId, stored);
  };
}

/** Copies a column the file has (undefined = column absent, left as stored); no array per row. */
function setPresent(values: Values, column: string, value: string | number | boolean | null | undefined): void {
  if (value !== undefined) values[column] = typeof value === 'boolean' ? Number(value) : value;
}

async function upsert(rows: ImportRows, entity: 'customer' | 'order' | 'rep' | 'interaction', stored: StoredRow | undefined, values: Values): Promise<WriteOutcome> {
  if (!stored) {
    await rows.insert(entity, values);
    return 'inserted';
  }
  return rows.update(entity, stored, values);
}

function customersApplier(context: ApplyContext, headerOf: Map<string, string>): Applier<CustomerRow> {
  const { rows } = context;
  const rep = repResolver(rows);
  const repeated = firstLines(context, (key) => `${headerOf.get('external_id') ?? 'external_id'} ${key}`);
  return applier(async (row, line) => {
    let ownerId: number | null | undefined = row.owner === undefined ? undefined : null;
    if (typeof row.owner === 'string') {
      const owner = await rep(row.owner);
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
    const before = await rows.customer(row.external_id);
    const outcome = await upsert(rows, 'customer', before, values);
    // Checked after the write, so two new rows in one file that share a phone are caught too.
    if (row.email && row.email !== before?.email) {
      const other = await rows.customerSharing('email', row.email, row.external_id);
      if (other) context.onDuplicate({ externalId: row.external_id, otherExternalId: other, sharedField: 'email', value: row.email });
    }
    if (row.phone && row.phone !== before?.phone) {
      const other = await rows.customerSharing('phone', row.phone, row.external_id);
      if (other) context.onDuplicate({ externalId: row.external_id, otherExternalId: other, sharedField: 'phone', value: row.phone });
    }
    return outcome;
  });
}

/**
 * Orders are keyed by external id; without one, by the natural key (customer, ordered_at, amount,
 * product) and its occurrence in the file: the n-th row of a file with the same natural key is
 * occurrence n. Identical rows of one file are so kept as separate orders (and reported), while
 * importing the same export again, or an overlapping one, matches occurrence n to the stored
 * occurrence n and adds nothing twice. A refund may name the order it refunds (refund_of).
 */
function ordersApplier(context: ApplyContext, headerOf: Map<string, string>): Applier<OrderRow> {
  const { rows } = context;
  const customer = customerResolver(context, headerOf.get('customer') ?? 'customer');
  const refundColumn = headerOf.get('refund_of') ?? 'refund_of';
  const orderIdColumn = headerOf.get('external_id') ?? 'external_id';
  // Natural key → [rows seen so far in this file, the first one's line].
  const occurrences = new Map<string, [number, number]>();
  return applier(async (row, line) => {
    const resolved = customer(row.customer);
    const customerId = resolved instanceof Promise ? await resolved : resolved;
    if (typeof customerId !== 'number') return customerId;
    if (row.refund_of) {
      if (row.amount >= 0) return { rejected: { column: refundColumn, problem: 'only a refund (a negative amount) names an original order', value: row.refund_of } };
      const owner = await rows.customerIdOfOrder(row.refund_of);
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
      if (await rows.insertIfAbsent('order', values, 'externalId')) return 'inserted';
      const stored = (await rows.order(row.external_id))!;
      if (stored.importRunId === rows.runId) context.onRepeatedRow({ line, firstLine: null, key: `${orderIdColumn} ${row.external_id}`, outcome: 'later_line_won' });
      return rows.update('order', stored, values);
    }
    const key = `${customerId}\u0000${row.ordered_at}\u0000${row.amount}\u0000${row.product ?? '\u0001'}`;
    const seen = occurrences.get(key);
    const occurrence = seen ? ++seen[0] : 1;
    if (seen) context.onRepeatedRow({ line, firstLine: seen[1], key: 'customer, date, amount and product', outcome: 'kept_both' });
    else occurrences.set(key, [1, line]);
    values.occurrence = occurrence;
    return upsert(rows, 'order', await rows.orderByNaturalKey(customerId, row.ordered_at, row.amount, row.product ?? null, occurrence), values);
  }, (batch) => rows.prefetch({ customers: batch.map((row) => row.customer), orders: batch.flatMap((row) => (row.external_id ? [row.external_id] : [])) }));
}

/** Reps are keyed by email; a team named in the file is created when it does not exist. */
function repsApplier(context: ApplyContext, headerOf: Map<string, string>): Applier<RepRow> {
  const { rows } = context;
  const teamId = async (name: string): Promise<number> => (await rows.teamId(name)) ?? rows.insert('team', { name });
  const repeated = firstLines(context, (key) => `${headerOf.get('email') ?? 'email'} ${key}`);
  return applier(async (row, line) => {
    for (const [column, id, linkColumn] of [
      ['slack_user_id', row.slack_user_id, 'slackUserId'],
      ['discord_user_id', row.discord_user_id, 'discordUserId'],
    ] as const) {
      const taken = id ? await rows.repLinkedTo(linkColumn, id, row.email) : undefined;
      if (taken) return { rejected: { column: headerOf.get(column) ?? column, problem: `already linked to rep ${taken}`, value: id! } };
    }
    const values: Values = { email: row.email, name: row.name };
    setPresent(values, 'role', row.role === null ? 'rep' : row.role);
    setPresent(values, 'teamId', typeof row.team === 'string' ? await teamId(row.team) : row.team);
    setPresent(values, 'slackUserId', row.slack_user_id);
    setPresent(values, 'discordUserId', row.discord_user_id);
    setPresent(values, 'timeZone', row.timezone);
    setPresent(values, 'locale', row.locale);
    repeated(row.email, line);
    return upsert(rows, 'rep', await rows.rep(row.email), values);
  });
}

/** Interactions have no id in the source: keyed by (customer, rep, kind, at); note and satisfaction update. */
function interactionsApplier(context: ApplyContext, headerOf: Map<string, string>): Applier<InteractionRow> {
  const { rows } = context;
  const customer = customerResolver(context, headerOf.get('customer') ?? 'customer');
  const rep = repResolver(rows);
  const repeated = firstLines(context, () => 'customer, rep, kind and time');
  return applier(async (row, line) => {
    let repId: number | null = null;
    if (row.rep) {
      const found = await rep(row.rep);
      if ('problem' in found) return { rejected: { column: headerOf.get('rep') ?? 'rep', problem: found.problem, value: row.rep } };
      repId = found.id;
    }
    const resolved = customer(row.customer);
    const customerId = resolved instanceof Promise ? await resolved : resolved;
    if (typeof customerId !== 'number') return customerId;
    const values: Values = { customerId, repId, kind: row.kind, at: row.at };
    setPresent(values, 'text', row.note === null ? '' : row.note);
    setPresent(values, 'satisfaction', row.satisfaction);
    repeated(`${customerId}\u0000${repId}\u0000${row.kind}\u0000${row.at}`, line);
    return upsert(rows, 'interaction', await rows.interactionByNaturalKey(customerId, repId, row.kind, row.at), values);
  }, (batch) => rows.prefetch({ customers: batch.map((row) => row.customer), orders: [] }));
}

export const appliers = {
  customers: customersApplier,
  orders: ordersApplier,
  reps: repsApplier,
  interactions: interactionsApplier,
} satisfies Record<ImportKind, (context: ApplyContext, headerOf: Map<string, string>) => Applier<never>>;
