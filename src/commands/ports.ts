import type { Actor, BookScope, Role } from '../domain/actor.js';
import type { DigestService } from './digest.command.js';
import type { OutboxView } from './rapport-outbox.command.js';
import type { ModelReportService } from './rapport/model.command.js';

/** What a command may ask of storage. src/db implements these; tests may use the same. */
export interface Services {
  identities: IdentityDirectory;
  customers: CustomerDirectory;
  callbacks: CallbackBook;
  teams: TeamDirectory;
  audit: AuditTrail;
  digests: DigestService;
  outbox: OutboxView;
  /** /rapport model: how the forecasts held up (implemented in src/scoring). */
  models: ModelReportService;
}

export type Platform = 'console' | 'slack' | 'discord';
/** The chat platforms a rep can be linked to (the console identifies reps by email or id). */
export type ChatPlatform = Exclude<Platform, 'console'>;

export interface RepSummary {
  id: number;
  name: string;
  email: string;
  role: Role;
  teamId: number | null;
  teamName: string | null;
  locale: string | null;
  timeZone: string | null;
  slackUserId: string | null;
  discordUserId: string | null;
}

export interface IdentityDirectory {
  /** The rep linked to a platform user (console: a rep email or id), or null when unknown. */
  resolve(platform: Platform, userId: string): Promise<Actor | null>;
  /** An active rep by id, email, email name ("zhang.wei") or exact name, or null. */
  findRep(query: string): Promise<RepSummary | null>;
  rep(repId: number): Promise<RepSummary | null>;
  /** Links a platform user to a rep, unlinking whoever had that user id before; returns that previous rep. */
  link(repId: number, platform: ChatPlatform, userId: string): Promise<{ previousRepId: number | null }>;
  /** A rep's own language and time zone; null falls back to the team's. */
  setPreferences(repId: number, preferences: { locale?: string | null; timeZone?: string | null }): Promise<void>;
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

export type Tier = 'A' | 'B' | 'C' | 'D';

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
  longTail: string;
  pAlive: number | null;
  expected30: number | null;
  expected90: number | null;
  expectedAovMinor: number | null;
  clv12Minor: number | null;
  churnRisk: number | null;
  /** The plain-words reason: a code and the figures its sentence needs. */
  churnReason: { code: string; [figure: string]: unknown } | null;
}

export interface CustomerCard extends CustomerSummary {
  region: string | null;
  tags: string[];
  birthday: { month: number; day: number; year: number | null } | null;
  lifetimeMinor: number;
  orderCount: number;
  lastOrderAt: Date | null;
  score: CustomerScore | null;
  nextCallback: { id: number; dueAt: Date; timed: boolean; note: string } | null;
  lastInteraction: { kind: string; at: Date; text: string; repName: string | null } | null;
}

export interface CustomerListFilter {
  tier?: Tier;
  /** Lifecycle stages as the analytics engine names them (at_risk, lapsed, new, …). */
  lifecycles?: string[];
  /** Only long-tail customers (frequent-small, rare-large or both). */
  longTail?: boolean;
  /** Only this rep's customers (still within the scope). */
  ownerId?: number;
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
  total: number;
}

export interface CustomerDirectory {
  /** Exact key matches (external id, email, phone, name) first, else names containing the query. */
  search(query: string, scope: BookScope, limit: number): Promise<CustomerSearchResult>;
  /** Names close to a query that matched nothing, for a "did you mean" line. */
  suggest(query: string, scope: BookScope, limit: number): Promise<string[]>;
  /** A customer by id if it is within the scope, else null (the same answer as "no such customer"). */
  summary(customerId: number, scope: BookScope): Promise<CustomerSummary | null>;
  card(customerId: number): Promise<CustomerCard | null>;
  /** Scored customers within the scope, by value at stake (then value), one page at a time. */
  list(filter: CustomerListFilter, scope: BookScope, page: { offset: number; limit: number }): Promise<CustomerListPage>;
  assign(customerId: number, ownerId: number): Promise<void>;
  addInteraction(interaction: {
    customerId: number;
    repId: number;
    kind: 'note' | 'complaint';
    at: Date;
    text: string;
    satisfaction: number | null;
  }): Promise<{ id: number }>;
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
  create(callback: { customerId: number; ownerId: number; dueAt: Date; timed: boolean; note: string; source: 'manual' | 'complaint' }): Promise<CallbackEntry>;
  /** A callback if its customer is within the scope, else null. */
  get(callbackId: number, scope: BookScope): Promise<CallbackEntry | null>;
  /** Open callbacks owned within the scope, due before `until`, soonest first. */
  open(scope: BookScope, until: Date, limit: number): Promise<CallbackEntry[]>;
  complete(callbackId: number, at: Date): Promise<void>;
  cancel(callbackId: number): Promise<void>;
  reschedule(callbackId: number, dueAt: Date, timed: boolean): Promise<void>;
}

export interface TeamSettingsRow {
  id: number;
  name: string;
  timeZone: string;
  locale: string;
  slackChannelId: string | null;
  discordChannelId: string | null;
  /** Team.settings JSON, as the scheduler reads it (cadences, digest time, win-back days). */
  settings: string;
}

export interface TeamDirectory {
  get(teamId: number): Promise<TeamSettingsRow | null>;
  /** A team by id or exact name. */
  find(query: string): Promise<TeamSettingsRow | null>;
  update(
    teamId: number,
    change: Partial<Pick<TeamSettingsRow, 'timeZone' | 'locale' | 'slackChannelId' | 'discordChannelId' | 'settings'>>,
  ): Promise<void>;
}

export interface AuditEntry {
  at: Date;
  repId: number;
  /** What was done, e.g. "customer.lookup", "customer.assign". */
  action: string;
  /** What it was done to, e.g. "customer:12", "callback:7", "team:1". */
  target: string;
  detail: string;
}

export interface AuditTrail {
  record(entry: AuditEntry): Promise<void>;
}

export type { Actor };
