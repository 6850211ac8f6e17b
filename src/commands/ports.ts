import type { Actor, BookScope } from '../domain/actor.js';
import type { DigestService } from './digest.command.js';
import type { OutboxView } from './rapport-outbox.command.js';

/** What a command may ask of storage. src/db implements these; tests may use the same. */
export interface Services {
  identities: IdentityDirectory;
  customers: CustomerDirectory;
  digests: DigestService;
  outbox: OutboxView;
}

export type Platform = 'console' | 'slack' | 'discord';

export interface IdentityDirectory {
  /** The rep linked to a platform user (console: a rep email or id), or null when unknown. */
  resolve(platform: Platform, userId: string): Promise<Actor | null>;
}

export interface CustomerSummary {
  id: number;
  externalId: string;
  name: string;
  email: string | null;
  phone: string | null;
  ownerName: string | null;
}

export interface CustomerSearchResult {
  matches: CustomerSummary[];
  /** How many matched in all, when more than `matches` were found. */
  total: number;
}

export interface CustomerCard extends CustomerSummary {
  region: string | null;
  tags: string[];
  birthday: { month: number; day: number; year: number | null } | null;
  lifetimeMinor: number;
  orderCount: number;
  lastOrderAt: Date | null;
  score: { tier: 'A' | 'B' | 'C' | 'D'; computedAt: Date } | null;
}

export interface CustomerDirectory {
  /** Exact key matches (external id, email, phone, name) first, then names containing the query. */
  search(query: string, scope: BookScope, limit: number): Promise<CustomerSearchResult>;
  /** Names close to a query that matched nothing, for a "did you mean" line. */
  suggest(query: string, scope: BookScope, limit: number): Promise<string[]>;
  card(customerId: number): Promise<CustomerCard | null>;
}

export type { Actor };
