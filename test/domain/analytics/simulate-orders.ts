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
 * purchase, and for MBG/NBD also right after the first. Spend per purchase is Gamma-Gamma
 * (shape 6, scale ~ Gamma(4, 15_000)/…). Orders run to `endDay`.
 */
export function simulateOrders(
  seed: number,
  customers: number,
  params: { r: number; alpha: number; a: number; b: number; model: DropoutModel },
  calendar: { acquisitionDays: number; endDay: number },
): SimulatedOrder[] {
  const random = seededRandom(seed);
  const orders: SimulatedOrder[] = [];
  for (let c = 0; c < customers; c++) {
    const rate = gammaVariate(random, params.r) / params.alpha;
    const ga = gammaVariate(random, params.a);
    const p = ga / (ga + gammaVariate(random, params.b));
    const scale = 15_000 / gammaVariate(random, 4);
    const spend = () => Math.max(1, Math.round(gammaVariate(random, 6) * scale / 6));
    let day = Math.floor(random() * params.alpha * 0 + random() * calendar.acquisitionDays);
    orders.push({ customer: c, day, amountMinor: spend() });
    let alive = !(params.model === 'mbgnbd' && random() < p);
    let at = day;
    while (alive) {
      at += -Math.log(1 - random()) / rate;
      if (at > calendar.endDay) break;
      const next = Math.floor(at);
      orders.push({ customer: c, day: next, amountMinor: spend() });
      if (random() < p) alive = false;
      day = next;
    }
  }
  return orders;
}
