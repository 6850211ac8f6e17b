/**
 * Cross-selling (交叉销售): which product categories a team's customers buy together, and for
 * each customer the category their peers buy with theirs that they have never bought.
 *
 * A rule a → b holds in a team when enough of its customers bought both (support) and buying a
 * makes buying b clearly more likely than it is across the team (lift). With too few customers
 * behind a pair there is no rule, and a customer with no rule gets no suggestion: nothing is
 * ever suggested on thin evidence (docs/ANALYTICS.md "Cross-sell").
 */

/** At least this many customers of the team bought both categories. */
export const CROSS_SELL_MIN_CUSTOMERS = 20;
/** …and they are at least this share of the team's customers who bought any category. */
export const CROSS_SELL_MIN_SUPPORT = 0.01;
/** P(b | a) ÷ P(b): buying a makes buying b at least 20% more likely than for the average customer. */
export const CROSS_SELL_MIN_LIFT = 1.2;

/** Each customer's distinct categories (ids into `names`), customer by customer. */
export interface CustomerCategories {
  /** Customer slot i holds categories[offsets[i] .. offsets[i + 1]). */
  offsets: Int32Array;
  categories: Int32Array;
  /** 1 where the customer bought that category within their RFM window ("bought lately"), else 0. */
  recent: Uint8Array;
  /** Display name of each category id (the first spelling seen). */
  names: readonly string[];
  /** Each category id's key: its name trimmed and in lower case. */
  keys: readonly string[];
}

export interface CategoryCollector {
  /**
   * One purchase of a category, `recent` when it falls in the customer's RFM window. Customers
   * must arrive grouped (each customer's purchases together), in slot order.
   */
  add(customer: number, category: string, recent: boolean): void;
  finish(): CustomerCategories;
}

/**
 * The key a category is matched by: without surrounding spaces, in lower case (`Coffee`,
 * `coffee `), and with `|` as `/`, since `|` separates the keys a score row stores.
 */
export function categoryKey(category: string): string {
  return category.trim().toLowerCase().replaceAll('|', '/');
}

/** Collects the distinct categories each customer bought, so one category is not split by spelling. */
export function createCategoryCollector(count: number): CategoryCollector {
  const ids = new Map<string, number>();
  /** Category id by the text as stored: most orders repeat a few spellings, so the key is worked out once per spelling. */
  const idsByText = new Map<string, number>();
  const names: string[] = [];
  const keys: string[] = [];
  /** The customer who last bought each category, and where that entry is: a repeat purchase by the same customer adds none. */
  let lastBuyer = new Int32Array(64).fill(-1);
  let lastEntry = new Int32Array(64);
  let categories = new Int32Array(1024);
  let recent = new Uint8Array(1024);
  let size = 0;
  const offsets = new Int32Array(count + 1);
  let filledTo = 0;
  return {
    add(customer, category, isRecent) {
      let id = idsByText.get(category);
      if (id === undefined) {
        const key = categoryKey(category);
        id = key === '' ? -1 : ids.get(key);
        if (id === undefined) {
          id = names.length;
          ids.set(key, id);
          names.push(category.trim());
          keys.push(key);
          if (id >= lastBuyer.length) {
            lastBuyer = grown(lastBuyer, -1);
            lastEntry = grown(lastEntry, 0);
          }
        }
        idsByText.set(category, id);
      }
      if (id < 0) return;
      if (lastBuyer[id] === customer) {
        if (isRecent) recent[lastEntry[id]!] = 1;
        return;
      }
      if (customer < filledTo - 1) throw new Error(`categories of customer slot ${customer} are not contiguous`);
      lastBuyer[id] = customer;
      lastEntry[id] = size;
      // Customers between the previous one and this one bought nothing: empty ranges.
      while (filledTo <= customer) offsets[filledTo++] = size;
      if (size === categories.length) {
        categories = grown(categories, 0);
        const more = new Uint8Array(categories.length);
        more.set(recent);
        recent = more;
      }
      recent[size] = isRecent ? 1 : 0;
      categories[size++] = id;
    },
    finish() {
      while (filledTo <= count) offsets[filledTo++] = size;
      return { offsets, categories: categories.slice(0, size), recent: recent.slice(0, size), names, keys };
    },
  };
}

/** A customer's categories bought lately, as `|key|key|` (the form the customer list filters by); '' for none. */
export function recentCategoryKeys(bought: CustomerCategories, customer: number): string {
  let text = '';
  for (let k = bought.offsets[customer]!; k < bought.offsets[customer + 1]!; k++) if (bought.recent[k] === 1) text += `|${bought.keys[bought.categories[k]!]}`;
  return text === '' ? '' : `${text}|`;
}

function grown(array: Int32Array<ArrayBuffer>, fill: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(array.length * 2).fill(fill);
  next.set(array);
  return next;
}

/** One rule a → b of a team. */
export interface CrossSellRule {
  category: number;
  lift: number;
  /** P(b | a): the share of a's buyers who bought b. */
  confidence: number;
}

/** A customer's suggestion: the category to offer, the customer's own category it comes from, and the rule's lift. */
export interface CrossSellSuggestion {
  category: string;
  from: string;
  lift: number;
}

/** Every customer's suggestion, by slot, in typed arrays (no object per customer). */
export interface CrossSell {
  /** Rules found per group (team), for reports. */
  rules: number[];
  names: readonly string[];
  /** The category to offer (-1: none), the customer's category it comes from, and the rule's lift. */
  category: Int32Array;
  from: Int32Array;
  lift: Float32Array;
}

export function suggestionOf(crossSell: CrossSell, customer: number): CrossSellSuggestion | null {
  const category = crossSell.category[customer]!;
  if (category < 0) return null;
  return { category: crossSell.names[category]!, from: crossSell.names[crossSell.from[customer]!]!, lift: crossSell.lift[customer]! };
}

/**
 * Counts, per group, the customers who bought each category and each pair of categories, keeps
 * the rules that pass the support and lift thresholds, and suggests to each customer the b of
 * the strongest rule a → b with a bought and b not (highest lift, then confidence, then name).
 */
export function crossSellOf(bought: CustomerCategories, group: Int32Array, groupCount: number): CrossSell {
  const categoryCount = bought.names.length;
  const buyers = Array.from({ length: groupCount }, () => new Int32Array(categoryCount));
  const customersWithAny = new Int32Array(groupCount);
  const flat = groupCount * categoryCount * categoryCount <= MAX_FLAT_PAIRS;
  const pairs = Array.from({ length: groupCount }, () => createPairCounter(categoryCount, flat));
  const { offsets, categories } = bought;
  for (let i = 0; i + 1 < offsets.length; i++) {
    const from = offsets[i]!;
    const to = offsets[i + 1]!;
    if (from === to) continue;
    const g = group[i]!;
    customersWithAny[g]!++;
    const count = buyers[g]!;
    const pair = pairs[g]!;
    for (let k = from; k < to; k++) {
      count[categories[k]!]!++;
      for (let l = k + 1; l < to; l++) pair.add(categories[k]!, categories[l]!);
    }
  }

  const rulesOf = pairs.map((pair, g) => {
    const n = customersWithAny[g]!;
    const count = buyers[g]!;
    const rules: CrossSellRule[][] = Array.from({ length: categoryCount }, () => []);
    pair.forEach((a, b, both) => {
      if (both < CROSS_SELL_MIN_CUSTOMERS || both < CROSS_SELL_MIN_SUPPORT * n) return;
      const lift = (both * n) / (count[a]! * count[b]!);
      if (lift < CROSS_SELL_MIN_LIFT) return;
      rules[a]!.push({ category: b, lift, confidence: both / count[a]! });
      rules[b]!.push({ category: a, lift, confidence: both / count[b]! });
    });
    for (const list of rules) list.sort((p, q) => q.lift - p.lift || q.confidence - p.confidence || compareNames(bought.names, p.category, q.category));
    return rules;
  });

  const customers = offsets.length - 1;
  const result: CrossSell = {
    rules: rulesOf.map((rules) => rules.reduce((n, list) => n + list.length, 0) / 2),
    names: bought.names,
    category: new Int32Array(customers).fill(-1),
    from: new Int32Array(customers).fill(-1),
    lift: new Float32Array(customers),
  };
  for (let i = 0; i < customers; i++) {
    const from = offsets[i]!;
    const to = offsets[i + 1]!;
    const rules = rulesOf[group[i]!]!;
    const owns = (category: number) => {
      for (let k = from; k < to; k++) if (categories[k] === category) return true;
      return false;
    };
    let best: { rule: CrossSellRule; from: number } | null = null;
    for (let k = from; k < to; k++) {
      const a = categories[k]!;
      // Rules are sorted strongest first: the first one leading elsewhere is a's best.
      const rule = rules[a]!.find((r) => !owns(r.category));
      if (rule && (!best || stronger(rule, a, best.rule, best.from, bought.names))) best = { rule, from: a };
    }
    if (!best) continue;
    result.category[i] = best.rule.category;
    result.from[i] = best.from;
    result.lift[i] = best.rule.lift;
  }
  return result;
}

function stronger(rule: CrossSellRule, from: number, than: CrossSellRule, thanFrom: number, names: readonly string[]): boolean {
  const order = than.lift - rule.lift || than.confidence - rule.confidence || compareNames(names, rule.category, than.category) || compareNames(names, from, thanFrom);
  return order < 0;
}

function compareNames(names: readonly string[], a: number, b: number): number {
  return names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0;
}

/** Customers per unordered pair of categories: a flat table while it stays small, else a map. */
interface PairCounter {
  add(a: number, b: number): void;
  forEach(visit: (a: number, b: number, count: number) => void): void;
}

/** Cells of the flat pair tables of all groups together (4 bytes each, 16 MB) beyond which pairs are counted in maps. */
const MAX_FLAT_PAIRS = 1 << 22;

function createPairCounter(categories: number, flat: boolean): PairCounter {
  const key = (a: number, b: number) => (a < b ? a * categories + b : b * categories + a);
  if (flat) {
    const counts = new Int32Array(categories * categories);
    return {
      add: (a, b) => void counts[key(a, b)]!++,
      forEach(visit) {
        for (let a = 0; a < categories; a++) for (let b = a + 1; b < categories; b++) if (counts[a * categories + b]! > 0) visit(a, b, counts[a * categories + b]!);
      },
    };
  }
  const counts = new Map<number, number>();
  return {
    add(a, b) {
      const k = key(a, b);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    },
    forEach(visit) {
      for (const [k, count] of counts) visit(Math.floor(k / categories), k % categories, count);
    },
  };
}
