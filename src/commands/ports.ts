import type { Actor, BookScope, Role } from '../domain/actor.js';
import type { Addresses, ChatPlatform, Platform } from '../domain/platform.js';
import type { NudgeStatus } from '../domain/schedule/nudge-status.js';
import type { Tier } from '../domain/tier.js';
import type { LocalDate } from '../domain/schedule/local-time.js';
import type { Locale, Translate } from '../i18n/index.js';
import type { OptionValues } from './options.js';
import type { Reply } from './reply.js';
import type { RiskAccuracy, ValidationFigures } from '../domain/analytics/validation.js';

/** What a command may ask of storage. src/db implements these; tests may use the same. */
export interface Services {
  identities: IdentityDirectory;
  customers: CustomerDirectory;
  callbacks: CallbackBook;
  teams: TeamDirectory;
  audit: AuditTrail;
  invites: InviteBook;
  digests: DigestService;
  outbox: OutboxView;
  nudges: NudgeMessages;
  /** /rapport model: how the forecasts held up (implemented in src/scoring). */
  models: ModelReportService;
  /** CSV imports from chat uploads (implemented in src/import, run in the background worker). */
  imports: ImportService;
  /** Complaints, ratings, referrals, win-back plans (客户关怀). */
  care: CareBook;
  /** Books moving between reps: a rep leaving, a manager rebalancing. */
  books: BookTransfers;
}

export interface RepSummary {
  id: number;
  name: string;
  email: string;
  role: Role;
  teamId: number | null;
  teamName: string | null;
  locale: string | null;
  timeZone: string | null;
  /** The chat user ids this rep is linked to. */
  addresses: Addresses;
  /** Where nudges go when the rep is linked on several platforms (null: the one last used). */
  preferredPlatform: ChatPlatform | null;
}

export interface RepPreferences {
  locale?: string | null;
  timeZone?: string | null;
  preferredPlatform?: ChatPlatform | null;
}

export interface IdentityDirectory {
  /** The rep linked to a platform user (console: a rep email or id), or null when unknown. */
  resolve(platform: Platform, userId: string): Promise<Actor | null>;
  /** The actor behind a rep id (an active rep), with their effective language and time zone. */
  resolveRep(repId: number): Promise<Actor | null>;
  /** An active rep by id, email, email name ("zhang.wei"), exact name or chat mention, or null. */
  findRep(query: string): Promise<RepSummary | null>;
  rep(repId: number): Promise<RepSummary | null>;
  /** Links a platform user to a rep, unlinking whoever had that user id before; returns that previous rep. */
  link(repId: number, platform: ChatPlatform, userId: string): Promise<{ previousRepId: number | null }>;
  /** A rep's own language, time zone and preferred platform; null falls back to the default. */
  setPreferences(repId: number, preferences: RepPreferences): Promise<void>;
  /** Reps the actor may hand customers to (a manager's team, an admin's all), by name. */
  assignableReps(actor: Actor, limit: number): Promise<RepSummary[]>;
}

export interface CustomerSummary {
  id: number;
  externalId: string;
  name: string;
  email: string | null;
  phone: string | null;
  ownerId: number | null;
  ownerName: string | null;
}

export interface CustomerSearchResult {
  matches: CustomerSummary[];
  /** How many matched in all (counted up to `SEARCH_COUNT_CAP`). */
  total: number;
}

/** Searches count matches up to this many; more read as "1000+". */
export const SEARCH_COUNT_CAP = 1000;

/** The newest score row of a customer, as the analytics engine wrote it. */
export interface CustomerScore {
  week: string;
  computedAt: Date;
  tier: Tier;
  valueBand: string;
  rScore: number | null;
  fScore: number | null;
  mScore: number | null;
  lifecycle: string;
  /** head | frequent-small | rare-large | long-tail | none */
  longTail: string;
  /** 低利润客户: the tier and value band were demoted one step for it. */
  lowMargin: boolean;
  pAlive: number | null;
  expected30: number | null;
  expected90: number | null;
  expectedAovMinor: number | null;
  clv12Minor: number | null;
  churnRisk: number | null;
  /** The plain-words reason: a code and the figures its sentence needs. */
  churnReason: { code: string; [figure: string]: unknown } | null;
  /** The category peers buy with one of this customer's and they never bought (the rule's lift), or null when no rule has the support. */
  crossSell: { category: string; from: string; lift: number } | null;
}

/** Spend on one category or product. */
export interface SpendLine {
  name: string;
  spendMinor: number;
}

/** What a customer buys, read from their orders when the card is drawn. */
export interface PurchaseSummary {
  /** Net spend (refunds netted) per category and per product over the last 12 months, largest first, at most 3 each. */
  topCategories: SpendLine[];
  topProducts: SpendLine[];
  /** The latest purchases (orders of a positive amount), newest first, at most 3; `refunded`: a refund names the order. */
  lastItems: { at: Date; product: string | null; category: string | null; amountMinor: number; refunded: boolean }[];
}

export interface CustomerCard extends CustomerSummary {
  /** Where the owner can be mentioned. */
  ownerAddresses: Addresses;
  region: string | null;
  tags: string[];
  birthday: { month: number; day: number; year: number | null } | null;
  lifetimeMinor: number;
  orderCount: number;
  /** The latest order with a positive amount: a refund or a free item is no purchase (docs/ANALYTICS.md). */
  lastOrderAt: Date | null;
  score: CustomerScore | null;
  purchases: PurchaseSummary;
  nextCallback: { id: number; dueAt: Date; timed: boolean; note: string } | null;
  lastInteraction: { kind: string; at: Date; text: string; repName: string | null } | null;
  /** 满意度: the latest rating and the average of all, or null when never rated. */
  satisfaction: { last: number; average: number; count: number } | null;
  /** 推荐: who referred this customer, and whom they referred (newest first, a few names). */
  referredBy: { id: number; name: string } | null;
  referrals: { count: number; names: string[] };
  /** The latest handover note (a rep left, a book moved). */
  handover: { at: Date; text: string } | null;
  openTickets: number;
}

/** Segments of the customer list and export; every filter given must hold (AND). */
export interface CustomerListFilter {
  tier?: Tier;
  /** Lifecycle stages as the analytics engine names them (at_risk, lapsed, new, …). */
  lifecycles?: string[];
  /** One long-tail class: head, frequent-small, rare-large or long-tail. */
  longTail?: string;
  /** Only low-profit customers (低利润). */
  lowProfit?: boolean;
  /** Only this rep's customers (still within the scope). */
  ownerId?: number;
  /** Customers with this tag, this region (any case). */
  tag?: string;
  region?: string;
  /** Customers who bought this category (any case) within their RFM window, as of the last scoring run. */
  category?: string;
  /** Customers whose birthday (with its year) falls within these dates, both included: an age range on a given day. */
  born?: { from: LocalDate; to: LocalDate };
}

export interface CustomerListRow extends CustomerSummary {
  tier: Tier;
  lifecycle: string;
  churnRisk: number | null;
  /** CLV (else lifetime spend) in minor units. */
  valueMinor: number;
  /** Value × churn risk: what losing this customer would cost. */
  atStakeMinor: number;
}

export interface CustomerListPage {
  rows: CustomerListRow[];
  /** More customers follow this page. */
  more: boolean;
}

export interface SegmentCount {
  /** How many match (with `upTo`: at most that many, and `more` says whether there are others). */
  total: number;
  more: boolean;
  /** Value at stake of the customers counted, in minor units. */
  atStakeTotalMinor: number;
}

export interface UpcomingBirthday {
  id: number;
  externalId: string;
  name: string;
  /** Days from today (0: today). */
  inDays: number;
}

/** One line of a customer's history: an order (a negative amount is a refund) or a logged interaction. */
export type HistoryEntry =
  | {
      type: 'order';
      at: Date;
      externalId: string | null;
      product: string | null;
      category: string | null;
      amountMinor: number;
      /** For a refund: the order id it names. */
      refundOf: string | null;
      /** A later refund names this order. */
      refunded: boolean;
    }
  | { type: 'interaction'; at: Date; kind: string; repName: string | null; text: string; satisfaction: number | null };

/** A customer row of an export (contact data included: exports only hold the asker's own book). */
export interface ExportRow extends CustomerListRow {
  region: string | null;
  tags: string;
  birthday: string | null;
  valueBand: string;
  longTail: string;
  lowMargin: boolean;
  clv12Minor: number | null;
  lastOrderAt: Date | null;
  crossSell: string | null;
}

/** What a rep logs from chat (a complaint is a ticket: care's logComplaint writes it). */
export type LoggedContactKind = 'note' | 'call' | 'visit' | 'message' | 'email' | 'greeting';

export interface CustomerDirectory {
  /** Exact key matches (external id, email, phone, name) first, else names containing the query. */
  search(query: string, scope: BookScope, limit: number): Promise<CustomerSearchResult>;
  /** Autocomplete: customers whose name, external id, email or phone starts with or holds the prefix; the book's first when empty. */
  complete(prefix: string, scope: BookScope, limit: number): Promise<CustomerSummary[]>;
  /** Birthdays within the scope in the next `days` days from `today` (the reader's date), soonest first; opted-out customers left out. */
  upcomingBirthdays(scope: BookScope, today: { year: number; month: number; day: number }, days: number, limit: number): Promise<UpcomingBirthday[]>;
  /** Names close to a query that matched nothing, for a "did you mean" line. */
  suggest(query: string, scope: BookScope, limit: number): Promise<string[]>;
  /** A customer by id if it is within the scope, else null (the same answer as "no such customer"). */
  summary(customerId: number, scope: BookScope): Promise<CustomerSummary | null>;
  /** The card as of `now` (what they bought is summed over the 12 months before it). */
  card(customerId: number, now: Date): Promise<CustomerCard | null>;
  /** Scored customers within the scope, by value at stake (then id), one page at a time: cheap however broad the segment. */
  list(filter: CustomerListFilter, scope: BookScope, page: { offset: number; limit: number }): Promise<CustomerListPage>;
  /** How many scored customers match, counted up to `upTo` when given: counting a broad segment through costs more. */
  count(filter: CustomerListFilter, scope: BookScope, upTo?: number): Promise<SegmentCount>;
  /** The same customers as `list`, in the same order, with what an export holds; at most `limit`, and whether there are more. */
  exportRows(filter: CustomerListFilter, scope: BookScope, limit: number): Promise<{ rows: ExportRow[]; more: boolean }>;
  /** Orders and interactions of a customer, newest first, one page at a time. */
  history(customerId: number, page: { offset: number; limit: number }): Promise<{ entries: HistoryEntry[]; total: number }>;
  assign(customerId: number, ownerId: number): Promise<void>;
  /** Adds and removes tags (any case matches a tag to remove) in one step; returns the tags before and after. */
  editTags(customerId: number, add: readonly string[], remove: readonly string[]): Promise<{ before: string[]; after: string[] }>;
  addInteraction(interaction: {
    customerId: number;
    repId: number;
    kind: LoggedContactKind;
    at: Date;
    text: string;
    satisfaction: number | null;
  }): Promise<{ id: number }>;
  /** Keeps a rep's list filters under a short id (for buttons whose payload the filters outgrow); the same filters keep their id. */
  saveQuery(repId: number, command: string, options: OptionValues): Promise<number>;
  /** A rep's saved filters, or null when the id is unknown or another rep's. */
  savedQuery(id: number, repId: number, command: string): Promise<OptionValues | null>;
}

export type CallbackStatus = 'open' | 'done' | 'cancelled';

export interface CallbackEntry {
  id: number;
  customerId: number;
  customerName: string;
  customerExternalId: string;
  ownerId: number;
  ownerName: string;
  dueAt: Date;
  timed: boolean;
  note: string;
  status: CallbackStatus;
  source: string;
}

export interface CallbackBook {
  create(callback: { customerId: number; ownerId: number; dueAt: Date; timed: boolean; note: string; source: 'manual' }): Promise<CallbackEntry>;
  /** A callback if its customer is within the scope (whoever owns the callback), else null. */
  get(callbackId: number, scope: BookScope): Promise<CallbackEntry | null>;
  /** A rep's open callbacks on customers within the scope, due before `until`, soonest first. */
  open(ownerId: number, scope: BookScope, until: Date, limit: number): Promise<CallbackEntry[]>;
  complete(callbackId: number, at: Date): Promise<void>;
  cancel(callbackId: number): Promise<void>;
  reschedule(callbackId: number, dueAt: Date, timed: boolean): Promise<void>;
}

export interface TeamSettingsRow {
  id: number;
  name: string;
  timeZone: string;
  locale: string;
  /** The team's channel on each chat platform. */
  channels: Addresses;
  /** Team.settings JSON, as the scheduler reads it (cadences, digest time, win-back days). */
  settings: string;
}

export interface TeamChange {
  timeZone?: string;
  locale?: string;
  channel?: { platform: ChatPlatform; id: string };
  settings?: string;
}

export interface TeamDirectory {
  get(teamId: number): Promise<TeamSettingsRow | null>;
  /** A team by id or name, ignoring case when only one team's name matches that way. */
  find(query: string): Promise<TeamSettingsRow | null>;
  update(teamId: number, change: TeamChange): Promise<void>;
  /** The workspaces (Discord servers) a team lists, in the order they were added. */
  workspaces(teamId: number, platform: ChatPlatform): Promise<string[]>;
  /** Lists (`add`) or stops listing (`remove`) a workspace for a team; false when nothing changed. */
  listWorkspace(teamId: number, platform: ChatPlatform, workspaceId: string, listed: boolean): Promise<boolean>;
  /** Whether any team lists this workspace, and whether any team lists any workspace of the platform. */
  workspaceListed(platform: ChatPlatform, workspaceId: string): Promise<{ listed: boolean; anyListed: boolean }>;
}

export interface AuditEntry {
  at: Date;
  /** Who did it; null for the command line. */
  repId: number | null;
  /** What was done, e.g. "customer.lookup", "customer.assign". */
  action: string;
  /** What it was done to, e.g. "customer:12", "callback:7", "team:1". */
  target: string;
  detail: string;
}

export interface AuditTrail {
  record(entry: AuditEntry): Promise<void>;
}

export type InviteClaim =
  | { ok: true; repId: number; inviteId: number }
  /** `invalid`: no such code, or used, replaced or expired; `rep-linked`: the rep is already linked to another user there. */
  | { ok: false; reason: 'invalid' | 'rep-linked' | 'rep-inactive' };

/**
 * One-time invite codes: an admin issues one for a rep, the rep claims it from a chat platform
 * and is linked. Only a hash of each code is stored.
 */
export interface InviteBook {
  /** A new code for the rep, valid until `expiresAt`; the rep's older unused codes stop working. The code is returned only here. */
  issue(repId: number, createdBy: number | null, now: Date): Promise<{ code: string; inviteId: number; expiresAt: Date }>;
  /** Uses a valid code once and links the user to its rep, in one transaction; or says why not (nothing changes then). */
  claim(code: string, claimer: { platform: ChatPlatform; userId: string }, now: Date): Promise<InviteClaim>;
  /** Wrong codes this user typed since `since` (for the limit on guessing). */
  failedClaims(claimer: { platform: ChatPlatform; userId: string }, since: Date): Promise<number>;
  recordFailedClaim(claimer: { platform: ChatPlatform; userId: string }, at: Date): Promise<void>;
}

/** Builds the weekly churn digest an actor may see (a manager's team, an admin's everything). */
export interface DigestService {
  weeklyDigest(actor: Actor, now: Date, reader: { t: Translate; locale: Locale; timeZone: string; currency: string }): Promise<Reply>;
}

export interface OutboxEntry {
  id: number;
  kind: string;
  dueAt: Date;
  status: NudgeStatus;
  attempts: number;
  lastError: string | null;
}

/** What admins may see of the scheduler's outbox. */
export interface OutboxView {
  counts(): Promise<Record<NudgeStatus, number>>;
  /** Pending, claimed and dead nudges, oldest first. */
  attention(limit: number): Promise<OutboxEntry[]>;
}

/** Messages the scheduler sent, kept current when what they show changes. */
export interface NudgeMessages {
  /** The nudge drawn again from the current state, if it was sent to this actor (or their team) and is still worth showing. */
  redraw(nudgeId: number, actor: Actor): Promise<Reply | null>;
  /**
   * A callback was done, moved or cancelled: messages that show it (its ping, today's agenda)
   * are updated where they were posted, except the nudge `except` whose button made the
   * change (the reply to the press replaces that message itself).
   */
  callbackChanged(callbackId: number, except?: number): Promise<void>;
}

/** How well the scoring's forecasts and churn risk held up over the last `holdoutDays`, with its calibration chart. */
export interface ModelCheck {
  holdoutDays: number;
  /** The models saw orders up to this day; the holdout is the days after it. */
  fittedThrough: Date;
  model: 'mbgnbd' | 'bgnbd';
  status: 'converged' | 'not_converged' | 'too_few_repeat_buyers';
  selectedBy: 'held_out' | 'asked' | 'default';
  figures: ValidationFigures;
  /** PNG, labelled in the reader's language. */
  chart: Uint8Array;
}

export interface ModelReportService {
  check(now: Date, locale: Locale): Promise<ModelCheck>;
}

export const IMPORT_KINDS = ['customers', 'orders', 'reps', 'interactions'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportRequest {
  kind: ImportKind;
  fileName: string;
  bytes: Uint8Array;
  dryRun: boolean;
  onError: 'abort' | 'skip';
  /** Orders and interactions of unknown customers create stub customers instead of being rejected. */
  createMissing: boolean;
  /** Who ran it, as the import run records it (`rep:12`). */
  actor: string;
  /** Dates without an offset are read in this zone (the asker's). */
  timeZone: string;
}

/** What an import did, as a reply shows it; `problems` and `warnings` are the importer's own lines (`file:line: column: …`). */
export interface ImportOutcome {
  status: 'applied' | 'failed';
  dryRun: boolean;
  runId: number | null;
  fatal: string | null;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  problems: string[];
  moreProblems: number;
  warnings: string[];
  /** With on-error skip: the rejected rows with a reason column, as a CSV for Excel. */
  rejects: { fileName: string; bytes: Uint8Array } | null;
}

export interface ImportService {
  run(request: ImportRequest): Promise<ImportOutcome>;
}

export type TicketStatus = 'open' | 'resolved';

export interface TicketEntry {
  id: number;
  customerId: number;
  customerName: string;
  customerExternalId: string;
  ownerId: number | null;
  ownerName: string | null;
  text: string;
  tier: Tier;
  openedAt: Date;
  deadline: Date;
  status: TicketStatus;
  resolvedAt: Date | null;
  resolution: string | null;
}

export interface WinbackPlan {
  customerId: number;
  externalId: string;
  name: string;
  ownerId: number | null;
  ownerName: string | null;
  episode: number;
  startedAt: Date;
  deadline: Date;
  extensions: number;
  tier: Tier | null;
  atStakeMinor: number;
}

export interface ClosedPlan {
  episode: number;
  status: 'won' | 'lost' | 'given_up';
  closedAt: Date;
  reason: string | null;
}

/** A customer at risk whom triage left without a plan: the light-touch weekly list. */
export interface LightTouchRow {
  customerId: number;
  externalId: string;
  name: string;
  ownerName: string | null;
  tier: Tier | null;
  lifecycle: string;
  atStakeMinor: number;
}

export interface Page<T> {
  rows: T[];
  total: number;
}

export interface CareBook {
  /** 投诉处理: a complaint interaction and its ticket, owned by the customer's owner, due by the tier's deadline in working time. */
  logComplaint(complaint: { customerId: number; repId: number; text: string; at: Date; satisfaction: number | null }): Promise<{ ticket: TicketEntry; interactionId: number }>;
  /** A ticket if its customer is within the scope, else null. */
  ticket(ticketId: number, scope: BookScope): Promise<TicketEntry | null>;
  tickets(filter: { status: 'open' | 'overdue' | 'all'; ownerId?: number; teamId?: number }, scope: BookScope, now: Date, page: { offset: number; limit: number }): Promise<Page<TicketEntry>>;
  /** Closes a ticket and schedules the satisfaction check 7 days later on the owner's agenda. */
  resolveTicket(ticketId: number, resolution: { repId: number; text: string; at: Date }): Promise<{ callbackId: number; callbackDue: Date }>;
  /** A rating of 2 or less: a follow-up callback for the owner (once per rating). Null when there is no owner. */
  followUpLowRating(interactionId: number, at: Date): Promise<{ callbackId: number; dueAt: Date } | null>;
  /** 推荐: records who referred a customer (null: clears it). */
  setReferral(customerId: number, referrerId: number | null): Promise<void>;
  /** The customer's open win-back plan, if any. */
  openPlan(customerId: number): Promise<WinbackPlan | null>;
  /** The customer's latest closed plan, if any. */
  lastClosedPlan(customerId: number): Promise<ClosedPlan | null>;
  /** Open plans within the scope, by value at stake. */
  plans(filter: { ownerId?: number }, scope: BookScope, page: { offset: number; limit: number }): Promise<Page<WinbackPlan>>;
  /** At-risk and lapsed customers within the scope without a plan, by value at stake. */
  lightTouch(filter: { ownerId?: number }, scope: BookScope, page: { offset: number; limit: number }): Promise<Page<LightTouchRow>>;
  extendPlan(customerId: number, episode: number, days: number): Promise<Date>;
  /** 及时止损: the plan closes as given up with its reason; the customer is marked lost and the nudging stops. */
  giveUpPlan(customerId: number, episode: number, reason: string, at: Date): Promise<void>;
  setPlanReason(customerId: number, episode: number, reason: string): Promise<void>;
}

export interface BookMove {
  customers: number;
  callbacks: number;
  tickets: number;
  plans: number;
  /** Who got how many customers. */
  to: { repId: number; name: string; customers: number }[];
}

export interface BookTransfers {
  /**
   * A rep leaves: their customers go to `to` (or are spread over the active reps of their team,
   * evenly per tier), with open callbacks, tickets and plans; each card gets a handover note;
   * the rep is deactivated, so no nudge reaches them any more.
   */
  deactivate(repId: number, to: { repId: number } | 'spread', by: { repId: number; note: (from: string, to: string) => string; at: Date }): Promise<BookMove>;
  /** A manager moves a rep's book (or its customers of one tier) to another rep, with handover notes. */
  assignBook(fromId: number, toId: number, tier: Tier | null, by: { repId: number; note: (from: string, to: string) => string; at: Date }): Promise<BookMove>;
  /** Active reps of a team who may own customers (not admins), for spreading a book. */
  teamReps(teamId: number): Promise<RepSummary[]>;
}

export type { Actor, RiskAccuracy, Tier };
