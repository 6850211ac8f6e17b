/**
 * Bumped when the rules that turn orders into scores change (refund netting, the purchase model,
 * calibration, long-tail classes, reorder days, cross-sell): scores an older version wrote are
 * recomputed once after an upgrade. The data version and the last live run, which tell whether
 * scores are current, are kept by src/db/stores/score-store.ts.
 */
export const SCORING_RULES_VERSION = 3;
