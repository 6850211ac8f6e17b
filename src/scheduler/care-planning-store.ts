/** An open ticket the planner may nudge about: its owner at once, the team's managers at the deadline. */
export interface OpenTicket {
  id: number;
  customerId: number;
  externalId: string;
  ownerId: number | null;
  teamId: number | null;
  openedAt: number;
  deadline: number;
}

/** A recent interaction the planner follows up: a complaint without a ticket, or a low rating. */
export interface RecentInteraction {
  id: number;
  customerId: number;
  externalId: string;
  repId: number | null;
  kind: string;
  at: number;
  text: string;
  satisfaction: number | null;
  ownerId: number | null;
  teamId: number | null;
  hasTicket: boolean;
  hasFollowUp: boolean;
}

export interface StageCandidate {
  customerId: number;
  externalId: string;
  ownerId: number;
  /** welcome: the first purchase; second-order: the only purchase day. */
  at: number;
}

export interface HolidayCustomer {
  id: number;
  externalId: string;
}

/** The reads behind care planning, each bounded by an index (tickets by status and time, interactions by time, orders by time). On either engine: src/db/stores/planning-store.ts. */
export interface CarePlanningStore {
  /** Open tickets opened since `from` (their owner's nudge) or falling due by `to` (escalations). */
  ticketsToNudge(from: Date, to: Date, teamId?: number): Promise<{ opened: OpenTicket[]; due: OpenTicket[] }>;
  /** Complaints and low ratings logged in [since, until] (any path: chat, import), with whether they were followed up. */
  recentInteractions(since: Date, until: Date, teamId?: number): Promise<RecentInteraction[]>;
  /** Managers of a team (active), else every active admin: who hears of a breach. */
  escalationTargets(): Promise<(teamId: number | null) => number[]>;
  /** 欢迎计划: customers whose first purchase happened in [from, to], without a welcome callback yet. */
  firstPurchases(from: Date, to: Date, teamId?: number): Promise<StageCandidate[]>;
  /**
   * One-time buyers still new whose fallback interval has passed since their purchase: the
   * second-order nudge. Read from the newest scores (lifecycle `new`, reason `single_purchase`).
   */
  secondOrderDue(now: Date, teamId?: number): Promise<StageCandidate[]>;
  /** Win-back plans each rep opened since `since` (the top-N triage's weekly budget). */
  plansOpenedSince(since: Date): Promise<Map<number, number>>;
  /** A rep's customers who take greetings, by id. */
  holidayCustomers(ownerId: number): Promise<HolidayCustomer[]>;
  /** Holiday greetings already planned for a rep's agenda slot: a rep whose book is planned is skipped. */
  plannedHolidays(repId: number, dueAt: Date): Promise<number>;
}
