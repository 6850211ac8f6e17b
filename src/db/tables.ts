// GENERATED from prisma/schema.prisma by `npm run schema:derive` (prisma-kysely): do not edit.
// Timestamps are epoch milliseconds and money minor units on both engines (docs/ARCHITECTURE.md "Storage rules").
import type { ColumnType } from "kysely";
export type Generated<T> = T extends ColumnType<infer S, infer I, infer U>
  ? ColumnType<S, I | undefined, U>
  : ColumnType<T, T | undefined, T>;
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type AppState = {
    key: string;
    value: string;
};
export type AuditLog = {
    id: Generated<number>;
    at: number;
    repId: number | null;
    action: string;
    target: Generated<string>;
    detail: Generated<string>;
};
export type Callback = {
    id: Generated<number>;
    customerId: number;
    ownerId: number;
    dueAt: number;
    /**
     * false when only a day was given ("next week"): no ping at a minute, agenda only
     */
    timed: Generated<boolean>;
    note: Generated<string>;
    /**
     * open | done | cancelled
     */
    status: Generated<string>;
    /**
     * manual | cadence | winback | complaint | satisfaction | welcome | second-order
     */
    source: Generated<string>;
    /**
     * set for callbacks the scheduler creates (cadence:<customer>:<last touch day>), so planning twice creates one
     */
    dedupeKey: string | null;
    createdAt: number;
    completedAt: number | null;
};
export type ClaimAttempt = {
    id: Generated<number>;
    platform: string;
    userId: string;
    at: number;
};
export type Customer = {
    id: Generated<number>;
    externalId: string;
    name: string;
    email: string | null;
    /**
     * normalised: digits with a leading + and country code when known
     */
    phone: string | null;
    birthdayMonth: number | null;
    birthdayDay: number | null;
    birthdayYear: number | null;
    timeZone: string | null;
    region: string | null;
    /**
     * comma-separated tags (客户分群)
     */
    tags: Generated<string>;
    ownerId: number | null;
    greetingOptOut: Generated<boolean>;
    /**
     * none | lost | won_back: set by the win-back flow, read by the lifecycle rules
     */
    status: Generated<string>;
    statusChangedAt: number | null;
    /**
     * latest order, interaction or completed callback, else createdAt (kept by src/db/check-ins.ts)
     */
    lastTouchAt: number | null;
    /**
     * when the next cadence check-in is due; null once it is planned (kept by src/db/check-ins.ts)
     */
    checkInDueAt: number | null;
    /**
     * when this purchase cycle's reorder nudge is due; null once it is planned, or when none is (kept by src/db/reorders.ts)
     */
    reorderDueAt: number | null;
    createdAt: number;
    updatedAt: number;
    /**
     * the customer who referred this one (推荐), recorded with /customer referred
     */
    referredById: number | null;
};
export type ImportChange = {
    id: Generated<number>;
    runId: number;
    /**
     * customer | order | rep | interaction
     */
    entity: string;
    entityId: number;
    /**
     * insert | update
     */
    action: string;
    /**
     * JSON of the previous values for an update
     */
    before: string | null;
};
export type ImportRun = {
    id: Generated<number>;
    /**
     * customers | orders | reps | interactions
     */
    kind: string;
    fileName: string;
    contentHash: string;
    actor: string;
    dryRun: Generated<boolean>;
    /**
     * running | applied | failed | undone
     */
    status: Generated<string>;
    inserted: Generated<number>;
    updated: Generated<number>;
    unchanged: Generated<number>;
    rejected: Generated<number>;
    startedAt: number;
    finishedAt: number | null;
    undoneAt: number | null;
};
export type Interaction = {
    id: Generated<number>;
    customerId: number;
    repId: number | null;
    /**
     * call | visit | message | email | note | complaint | greeting | handover (a handover is no touch)
     */
    kind: string;
    at: number;
    text: Generated<string>;
    /**
     * 1..5 when the customer gave a rating
     */
    satisfaction: number | null;
    importRunId: number | null;
    createdAt: number;
};
export type InviteCode = {
    id: Generated<number>;
    codeHash: string;
    repId: number;
    /**
     * the admin who made it; null from the command line
     */
    createdBy: number | null;
    createdAt: number;
    expiresAt: number;
    /**
     * set once, when claimed (or when a newer invite for the same rep replaced it)
     */
    usedAt: number | null;
    /**
     * slack | discord and the user id that claimed it; null for a replaced code
     */
    usedPlatform: string | null;
    usedUserId: string | null;
};
export type JobRun = {
    id: Generated<number>;
    /**
     * e.g. rescore
     */
    job: string;
    /**
     * The slot's dedupe key (rescore:2026-12-01T18:00:00.000Z), or one of its own for a run on demand
     */
    runKey: string;
    /**
     * nightly | import | …: why it ran
     */
    reason: string;
    /**
     * running | done | failed
     */
    status: string;
    attempts: Generated<number>;
    /**
     * Who holds the run (process id and a random token)
     */
    owner: string;
    startedAt: number;
    leaseUntil: number;
    finishedAt: number | null;
    error: string | null;
};
export type Lease = {
    /**
     * e.g. discord-gateway
     */
    name: string;
    /**
     * Who holds it (process id and a random token)
     */
    holder: string;
    acquiredAt: number;
    leaseUntil: number;
};
export type Nudge = {
    id: Generated<number>;
    /**
     * callback | birthday | birthday-list | winback | agenda | digest | complaint | escalation | holiday | holiday-list (cadences create Callback rows instead)
     */
    kind: string;
    dedupeKey: string;
    dueAt: number;
    /**
     * rep | team
     */
    targetKind: string;
    targetId: number;
    customerId: number | null;
    /**
     * JSON payload the notifier renders
     */
    payload: Generated<string>;
    /**
     * pending | claimed | sent | dead | skipped (no longer worth sending when it came up, e.g. the callback was done)
     */
    status: Generated<string>;
    attempts: Generated<number>;
    lastError: string | null;
    nextAttemptAt: number | null;
    claimedAt: number | null;
    claimedBy: string | null;
    sentAt: number | null;
    /**
     * delivered after its due time because the bot was down
     */
    late: Generated<boolean>;
    /**
     * where the message was posted (platform, channel, message id), so Done/Snooze can update it
     */
    messagePlatform: string | null;
    messageChannel: string | null;
    messageId: string | null;
    /**
     * a nudge that went out inside another message (a holiday greeting inside the morning agenda): that message's nudge id
     */
    carriedBy: number | null;
    createdAt: number;
};
export type Order = {
    id: Generated<number>;
    /**
     * null when the source has none; the natural key is then (customer, orderedAt, amount, product, occurrence)
     */
    externalId: string | null;
    customerId: number;
    orderedAt: number;
    /**
     * negative for a refund, zero for a free item: neither is a purchase occasion (docs/ANALYTICS.md)
     */
    amountMinor: number;
    marginMinor: number | null;
    product: string | null;
    category: string | null;
    importRunId: number | null;
    createdAt: number;
    /**
     * a refund's original order (its externalId, same customer) when the export names it
     */
    refundOf: string | null;
    /**
     * without an externalId: n for the n-th row of a file with the same natural key, so identical rows stay separate orders
     */
    occurrence: Generated<number>;
};
export type Rep = {
    id: Generated<number>;
    email: string;
    name: string;
    /**
     * rep | manager | admin
     */
    role: Generated<string>;
    teamId: number | null;
    slackUserId: string | null;
    discordUserId: string | null;
    locale: string | null;
    timeZone: string | null;
    /**
     * slack | discord: where nudges go when the rep is linked on several platforms (null: lastPlatform)
     */
    preferredPlatform: string | null;
    /**
     * the chat platform the rep last used Rapport from
     */
    lastPlatform: string | null;
    /**
     * hour of the rep's working day at which the morning agenda is sent
     */
    agendaHour: Generated<number>;
    active: Generated<boolean>;
    createdAt: number;
    updatedAt: number;
};
export type SavedQuery = {
    id: Generated<number>;
    /**
     * whose list it is: another rep's id reads as unknown
     */
    repId: number;
    command: string;
    /**
     * JSON of the option values, keys sorted
     */
    options: string;
    createdAt: number;
};
export type ScoreSnapshot = {
    id: Generated<number>;
    customerId: number;
    /**
     * ISO week of the as-of date, e.g. 2026-W48
     */
    week: string;
    computedAt: number;
    asOf: number;
    recencyDays: number | null;
    frequency: number;
    monetaryMinor: number;
    marginMinor: number | null;
    lifetimeMinor: number;
    orderCount: number;
    lastOrderAt: number | null;
    rScore: number | null;
    fScore: number | null;
    mScore: number | null;
    /**
     * A | B | C | D
     */
    tier: string;
    /**
     * high | mid | low
     */
    valueBand: string;
    /**
     * head | frequent-small | rare-large | long-tail | none (no purchase in the RFM window): docs/ANALYTICS.md "Long tail"
     */
    longTail: Generated<string>;
    /**
     * margin below the team's lowMarginRate (低利润客户): tier and band were demoted one step
     */
    lowMargin: Generated<boolean>;
    /**
     * prospect | new | active | at_risk | lapsed | lost | won_back
     */
    lifecycle: string;
    pAlive: number | null;
    expected30: number | null;
    expected90: number | null;
    expectedAovMinor: number | null;
    clv12Minor: number | null;
    churnRisk: number | null;
    /**
     * JSON: the plain-words reason and its figures, rendered per locale
     */
    churnReason: Generated<string>;
    /**
     * value (CLV, else lifetime spend) × churn risk, minor units: the order of the customer list
     */
    atStakeMinor: Generated<number>;
    /**
     * a regular customer's reorder day in this purchase cycle (docs/ANALYTICS.md "Reorder timing"); null when none
     */
    reorderDueAt: number | null;
    /**
     * cross-sell (docs/ANALYTICS.md): the category peers buy that this customer has not, the customer's category it
     * comes from, and that rule's lift; null when no rule has enough support
     */
    crossSell: string | null;
    crossSellFrom: string | null;
    crossSellLift: number | null;
    /**
     * the categories bought in the RFM window, as `|key|key|` (lower case; docs/ANALYTICS.md "Cross-sell"), '' for none
     */
    categories: Generated<string>;
};
export type Team = {
    id: Generated<number>;
    name: string;
    slackChannelId: string | null;
    discordChannelId: string | null;
    timeZone: Generated<string>;
    locale: Generated<string>;
    /**
     * JSON: cadences per tier, RFM thresholds, digest day/hour, win-back days (parsed by src/domain/schedule/schedule-settings.ts and src/domain/analytics/settings.ts)
     */
    settings: Generated<string>;
    createdAt: number;
};
export type Ticket = {
    id: Generated<number>;
    customerId: number;
    ownerId: number | null;
    /**
     * the complaint interaction it was opened from (a note, /complaint or an import): one ticket each
     */
    interactionId: number | null;
    text: Generated<string>;
    /**
     * the customer's tier when it was opened, which set the deadline
     */
    tier: string;
    openedAt: number;
    deadline: number;
    /**
     * open | resolved
     */
    status: Generated<string>;
    resolvedAt: number | null;
    resolvedById: number | null;
    resolution: string | null;
    createdAt: number;
};
export type WinbackEpisode = {
    id: Generated<number>;
    customerId: number;
    /**
     * 1, 2, …: a customer can lapse again after being won back
     */
    episode: number;
    startedAt: number;
    deadline: number;
    /**
     * open | won | lost | given_up
     */
    status: Generated<string>;
    closedAt: number | null;
    /**
     * price | competitor | need_ended | service | unknown: why a lost or given-up plan failed, as its owner picked it
     */
    reason: string | null;
    /**
     * how often the deadline was moved: once by the owner, beyond that by a manager
     */
    extensions: Generated<number>;
};
export type Workspace = {
    id: Generated<number>;
    teamId: number;
    /**
     * discord (a guild id) | slack (a workspace id)
     */
    platform: string;
    workspaceId: string;
    createdAt: number;
};
export type DB = {
    AppState: AppState;
    AuditLog: AuditLog;
    Callback: Callback;
    ClaimAttempt: ClaimAttempt;
    Customer: Customer;
    ImportChange: ImportChange;
    ImportRun: ImportRun;
    Interaction: Interaction;
    InviteCode: InviteCode;
    JobRun: JobRun;
    Lease: Lease;
    Nudge: Nudge;
    Order: Order;
    Rep: Rep;
    SavedQuery: SavedQuery;
    ScoreSnapshot: ScoreSnapshot;
    Team: Team;
    Ticket: Ticket;
    WinbackEpisode: WinbackEpisode;
    Workspace: Workspace;
};

/** Columns of type Boolean, by name: SQLite stores them as 0/1 and src/db/sqlite-kysely.ts reads them back as booleans. */
export const BOOLEAN_COLUMNS: readonly string[] = ["active","dryRun","greetingOptOut","late","lowMargin","timed"];
