export const LONG_TAIL_CLASSES = ['frequent-small', 'rare-large', 'both', 'neither'] as const;
export type LongTailClass = (typeof LONG_TAIL_CLASSES)[number];

/**
 * 长尾客户, from the frequency score and the average-order-value score (both 1..5 quintiles,
 * 0 when the customer bought nothing in the window): frequent is F ≥ 4, rare F ≤ 2, small
 * AOV ≤ 2, large AOV ≥ 4. `both` is frequent and large (the head of the base, not its tail);
 * everyone else, including the middle, is `neither`.
 */
export function longTailOf(fScore: number, aovScore: number): LongTailClass {
  if (fScore === 0 || aovScore === 0) return 'neither';
  const frequent = fScore >= 4;
  const rare = fScore <= 2;
  const small = aovScore <= 2;
  const large = aovScore >= 4;
  if (frequent && small) return 'frequent-small';
  if (rare && large) return 'rare-large';
  if (frequent && large) return 'both';
  return 'neither';
}
