import { seededRandom } from '../../../src/domain/random.js';
import type { DropoutModel } from '../../../src/domain/analytics/bgnbd.js';
import { gammaVariate } from './simulate.js';

export interface SimulatedOrder {
  customer: number;
  day: number;
  amountMinor: number;
}

/**
 * A customer base drawn from BG/NBD or MBG/NBD itself, as orders on a calendar of days: first
 * purchases uniform over the first `acquisitionDays`, then purchases at rate λ ~ Gamma(r, α)
 * (per day) until the customer drops out: with probability p ~ Beta(a, b) after each repeat
 * purchase, and for MBG/NBD also right after the first. Each customer spends around their own
 * typical amount. Orders run to `endDay`; `dropped[c]` says whether customer c had dropped out by then.
 */
export function simulateOrders(
  seed: number,
  customers: number,
  params: { r: number; alpha: number; a: number; b: number; model: DropoutModel },
  calendar: { acquisitionDays: number; endDay: number },
): { orders: SimulatedOrder[]; dropped: boolean[] } {
  const random = seededRandom(seed);
  const orders: SimulatedOrder[] = [];
  const dropped: boolean[] = [];
  for (let c = 0; c < customers; c++) {
    const rate = gammaVariate(random, params.r) / params.alpha;
    const ga = gammaVariate(random, params.a);
    const p = ga / (ga + gammaVariate(random, params.b));
    const scale = 15_000 / gammaVariate(random, 4);
    const spend = () => Math.max(1, Math.round(gammaVariate(random, 6) * scale / 6));
    const first = Math.floor(random() * calendar.acquisitionDays);
    orders.push({ customer: c, day: first, amountMinor: spend() });
    let alive = !(params.model === 'mbgnbd' && random() < p);
    let at = first;
    while (alive) {
      at += -Math.log(1 - random()) / rate;
      if (at > calendar.endDay) break;
      const next = Math.floor(at);
      orders.push({ customer: c, day: next, amountMinor: spend() });
      if (random() < p) alive = false;
    }
    dropped.push(!alive);
  }
  return { orders, dropped };
}
