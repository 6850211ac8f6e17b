/** An outbox row's life: pending → claimed → sent, or skipped (no longer worth sending), or dead (gave up). */
export const NUDGE_STATUSES = ['pending', 'claimed', 'sent', 'dead', 'skipped'] as const;
export type NudgeStatus = (typeof NUDGE_STATUSES)[number];
