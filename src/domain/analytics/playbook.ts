import type { Lifecycle } from './lifecycle.js';
import type { Tier } from '../tier.js';

/** Keys of the recommended actions; the commands' i18n catalogue has a sentence for each. */
export const PLAYBOOK_KEYS = [
  'playbook.A',
  'playbook.B',
  'playbook.C',
  'playbook.D',
  'playbook.prospect',
  'playbook.winback',
  'playbook.lost',
] as const;
export type PlaybookKey = (typeof PLAYBOOK_KEYS)[number];

export interface RecommendedAction {
  key: PlaybookKey;
  /** The tier, so a win-back line can say how much effort the customer is worth. */
  tier: Tier;
}

/**
 * The brief's tier playbook (A personal priority service, B engagement and offers, C regular
 * contact to raise intent, D activation), overridden where the lifecycle matters more: a
 * prospect needs a first sale, an at-risk or lapsed customer a win-back, and a lost one no
 * more effort (及时止损).
 */
export function recommendedAction(tier: Tier, lifecycle: Lifecycle): RecommendedAction {
  switch (lifecycle) {
    case 'prospect':
      return { key: 'playbook.prospect', tier };
    case 'at_risk':
    case 'lapsed':
      return { key: 'playbook.winback', tier };
    case 'lost':
      return { key: 'playbook.lost', tier };
    default:
      return { key: `playbook.${tier}`, tier };
  }
}
