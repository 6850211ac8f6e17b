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
