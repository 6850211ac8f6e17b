/** The four long-tail classes, and `none` for customers without a purchase in the RFM window. */
export const LONG_TAIL_CLASSES = ['head', 'frequent-small', 'rare-large', 'long-tail', 'none'] as const;
export type LongTailClass = (typeof LONG_TAIL_CLASSES)[number];

/** Frequency and average-order-value scores at or above this are "frequent" and "large"; below, "rare" and "small". */
export const LONG_TAIL_SPLIT_SCORE = 3;

/**
 * 长尾客户 (单笔交易金额较小、交易频次较低), from the frequency score and the average-order-value
 * score (1..5 quintiles within the team, 0 when the customer bought nothing in the window). Each
 * score splits the base in two at the middle quintile, so every buying customer is in exactly one
 * class: `head` frequent and large, `frequent-small`, `rare-large`, and `long-tail` rare and small
 * (the bottom two quintiles on both).
 */
export function longTailOf(fScore: number, aovScore: number): LongTailClass {
  if (fScore === 0 || aovScore === 0) return 'none';
  const frequent = fScore >= LONG_TAIL_SPLIT_SCORE;
  const large = aovScore >= LONG_TAIL_SPLIT_SCORE;
  if (frequent) return large ? 'head' : 'frequent-small';
  return large ? 'rare-large' : 'long-tail';
}
