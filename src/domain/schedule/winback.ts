import { DAY_MS } from '../calendar.js';

/** Days a win-back plan runs before the customer is given up as lost. */
export const DEFAULT_WINBACK_DAYS = 30;

/** Lifecycle stages that start a win-back plan (set by the analytics scores). */
export const WINBACK_TRIGGERS: readonly string[] = ['at_risk', 'lapsed'];

export interface OpenEpisode {
  episode: number;
  startedAt: number;
  deadline: number;
}

export interface WinbackState {
  /** The newest score's lifecycle, and the time it judged, or null when never scored. */
  latestScore: { lifecycle: string; asOf: number } | null;
  open: OpenEpisode | null;
  /** The most recent closed episode. */
  lastClosed: { episode: number; closedAt: number } | null;
  /** The first purchase after the open episode started, if any. */
  firstOrderSinceStart: number | null;
}

export type WinbackDecision =
  | { kind: 'none' }
  | { kind: 'open'; episode: number; startedAt: number; deadline: number }
  | { kind: 'won'; episode: number; at: number }
  | { kind: 'lost'; episode: number; at: number };

/**
 * 挽回流失客户 with 及时止损: an at-risk or lapsed customer gets one plan with a deadline; a
 * purchase by the deadline wins them back, none marks them lost and the plan's nudging stops.
 * A new plan needs a score judged after the previous plan closed, so a stale at-risk score
 * does not reopen a plan the customer has just been won back from.
 */
export function decideWinback(state: WinbackState, now: number, winbackDays: number): WinbackDecision {
  const { open } = state;
  if (open) {
    if (state.firstOrderSinceStart !== null && state.firstOrderSinceStart <= open.deadline) {
      return { kind: 'won', episode: open.episode, at: state.firstOrderSinceStart };
    }
    if (now > open.deadline) return { kind: 'lost', episode: open.episode, at: open.deadline };
    return { kind: 'none' };
  }
  const score = state.latestScore;
  if (!score || !WINBACK_TRIGGERS.includes(score.lifecycle)) return { kind: 'none' };
  if (state.lastClosed && score.asOf <= state.lastClosed.closedAt) return { kind: 'none' };
  return { kind: 'open', episode: (state.lastClosed?.episode ?? 0) + 1, startedAt: now, deadline: now + winbackDays * DAY_MS };
}

/**
 * 侧重于对价值高的客户进行补救: which at-risk customers get a plan. Either the tiers worth saving
 * (A–C by default), or each rep's top N a week by value at stake; the rest go on the rep's
 * light-touch weekly list.
 */
export type WinbackTriage = { tiers: readonly string[] } | { topPerRep: number };
export const DEFAULT_WINBACK_TRIAGE = { tiers: ['A', 'B', 'C'] } as const satisfies WinbackTriage;

/** Why a plan failed, as its owner picks it when it is lost or given up (counted in the digest). */
export const WINBACK_REASONS = ['price', 'competitor', 'need-ended', 'service', 'unknown'] as const;
export type WinbackReason = (typeof WINBACK_REASONS)[number];

/** The owner is reminded this long before a plan's deadline. */
export const WINBACK_REMINDER_DAYS = 7;
/** How far one extension may move a deadline. */
export const MAX_WINBACK_EXTENSION_DAYS = 90;

export interface TriageCandidate {
  customerId: number;
  ownerId: number;
  tier: string | null;
  atStakeMinor: number;
}

/**
 * The candidates that get a plan now. `openedThisWeek`: plans each rep already opened this ISO
 * week (the top-N budget is per rep per week); the best value at stake first.
 */
export function triageWinbacks<C extends TriageCandidate>(candidates: readonly C[], triage: (ownerId: number) => WinbackTriage, openedThisWeek: (ownerId: number) => number): Set<C> {
  const chosen = new Set<C>();
  const budget = new Map<number, number>();
  const byValue = [...candidates].sort((a, b) => b.atStakeMinor - a.atStakeMinor || a.customerId - b.customerId);
  for (const candidate of byValue) {
    const rule = triage(candidate.ownerId);
    if ('tiers' in rule) {
      if (candidate.tier !== null && rule.tiers.includes(candidate.tier)) chosen.add(candidate);
      continue;
    }
    const left = budget.get(candidate.ownerId) ?? rule.topPerRep - openedThisWeek(candidate.ownerId);
    if (left <= 0) continue;
    budget.set(candidate.ownerId, left - 1);
    chosen.add(candidate);
  }
  return chosen;
}
