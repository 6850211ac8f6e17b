import { DAY_MS } from '../../domain/calendar.js';
import { exponential, intBetween, logNormal, pick, seededRandom, type Random } from '../../domain/random.js';

/**
 * The demo dataset: two teams (a Shanghai shop and a Berlin B2B office), their reps, and
 * customers with 2–3 years of orders in varied rhythms. Pure and deterministic: the same
 * options give the same data, customer by customer, whatever the count.
 */
export interface DemoOptions {
  customers: number;
  seed: number;
  /** The day the data ends ("today" in the demo); orders never fall after it. */
  asOf: Date;
}

export interface DemoTeam {
  key: 'shanghai' | 'berlin';
  name: string;
  timeZone: string;
  locale: 'en' | 'zh-CN';
}

export interface DemoRep {
  email: string;
  name: string;
  role: 'rep' | 'manager' | 'admin';
  team: DemoTeam['key'];
  locale: 'en' | 'zh-CN';
  timeZone: string;
}

export interface DemoOrder {
  externalId: string;
  orderedAt: number;
  amountMinor: number;
  marginMinor: number | null;
  product: string;
  category: string;
}

export interface DemoInteraction {
  kind: 'call' | 'visit' | 'message' | 'note' | 'complaint';
  at: number;
  text: string;
  satisfaction: number | null;
}

export interface DemoCustomer {
  externalId: string;
  name: string;
  email: string | null;
  phone: string | null;
  birthday: { month: number; day: number; year: number | null } | null;
  timeZone: string;
  region: string;
  tags: string[];
  ownerEmail: string;
  greetingOptOut: boolean;
  rhythm: 'prospect' | 'one-time' | 'regular' | 'lapsed' | 'rare-large';
  orders: DemoOrder[];
  interactions: DemoInteraction[];
  /** Open callback due this many days after asOf (negative: overdue), if any. */
  callbackInDays: number | null;
}

export const DEMO_TEAMS: readonly DemoTeam[] = [
  { key: 'shanghai', name: '上海旗舰店', timeZone: 'Asia/Shanghai', locale: 'zh-CN' },
  { key: 'berlin', name: 'Berlin B2B', timeZone: 'Europe/Berlin', locale: 'en' },
];

export const DEMO_ADMIN_EMAIL = 'admin@rapport.demo';

const FIXED_REPS: readonly DemoRep[] = [
  { email: DEMO_ADMIN_EMAIL, name: 'Demo Admin', role: 'admin', team: 'shanghai', locale: 'en', timeZone: 'Asia/Shanghai' },
  { email: 'li.na@rapport.demo', name: '李娜', role: 'manager', team: 'shanghai', locale: 'zh-CN', timeZone: 'Asia/Shanghai' },
  { email: 'zhang.wei@rapport.demo', name: '张伟', role: 'rep', team: 'shanghai', locale: 'zh-CN', timeZone: 'Asia/Shanghai' },
  { email: 'liu.yang@rapport.demo', name: '刘洋', role: 'rep', team: 'shanghai', locale: 'zh-CN', timeZone: 'Asia/Shanghai' },
  { email: 'chen.jing@rapport.demo', name: '陈静', role: 'rep', team: 'shanghai', locale: 'en', timeZone: 'Asia/Shanghai' },
  { email: 'anna.schmidt@rapport.demo', name: 'Anna Schmidt', role: 'manager', team: 'berlin', locale: 'en', timeZone: 'Europe/Berlin' },
  { email: 'max.weber@rapport.demo', name: 'Max Weber', role: 'rep', team: 'berlin', locale: 'en', timeZone: 'Europe/Berlin' },
  { email: 'sophie.mueller@rapport.demo', name: 'Sophie Müller', role: 'rep', team: 'berlin', locale: 'en', timeZone: 'Europe/Berlin' },
];

/** One extra rep per this many customers beyond the demo size, so big seeds have realistic books. */
const CUSTOMERS_PER_EXTRA_REP = 500;
const DEMO_SIZE = 300;

export function demoReps(customers: number): DemoRep[] {
  const extra = Math.max(0, Math.ceil((customers - DEMO_SIZE) / CUSTOMERS_PER_EXTRA_REP));
  const reps = [...FIXED_REPS];
  for (let i = 1; i <= extra; i++) {
    const team: DemoTeam['key'] = i % 3 === 0 ? 'berlin' : 'shanghai';
    const n = String(i).padStart(4, '0');
    reps.push({
      email: `rep${n}@rapport.demo`,
      name: team === 'berlin' ? `Rep ${n}` : `销售${n}`,
      role: 'rep',
      team,
      locale: team === 'berlin' ? 'en' : 'zh-CN',
      timeZone: team === 'berlin' ? 'Europe/Berlin' : 'Asia/Shanghai',
    });
  }
  return reps;
}

const SURNAMES = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'], ['黄', 'huang'],
  ['赵', 'zhao'], ['吴', 'wu'], ['周', 'zhou'], ['徐', 'xu'], ['孙', 'sun'], ['马', 'ma'], ['朱', 'zhu'],
  ['胡', 'hu'], ['郭', 'guo'], ['何', 'he'], ['林', 'lin'], ['罗', 'luo'], ['高', 'gao'],
] as const;
const GIVEN_NAMES = [
  ['芳', 'fang'], ['伟', 'wei'], ['秀英', 'xiuying'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['强', 'qiang'],
  ['磊', 'lei'], ['军', 'jun'], ['洋', 'yang'], ['艳', 'yan'], ['勇', 'yong'], ['杰', 'jie'], ['娟', 'juan'],
  ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['秀兰', 'xiulan'], ['霞', 'xia'], ['平', 'ping'], ['婷婷', 'tingting'],
  ['晓燕', 'xiaoyan'], ['志强', 'zhiqiang'], ['欣怡', 'xinyi'],
] as const;
const FIRST_NAMES = [
  'Emma', 'Liam', 'Olivia', 'Noah', 'Sophia', 'Lukas', 'Mia', 'Felix', 'Hannah', 'Jonas', 'Lena', 'Paul',
  'Clara', 'Ben', 'Emily', 'David', 'Laura', 'Oliver', 'Julia', 'Leon',
];
const LAST_NAMES = [
  'Müller', 'Schmidt', 'Fischer', 'Wagner', 'Becker', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf',
  'Smith', 'Brown', 'Taylor', 'Wilson', 'Chen', 'Nguyen', 'Keller', 'Braun', 'Vogel', 'Lang',
];
const SHANGHAI_REGIONS = ['上海', '杭州', '苏州', '南京', '宁波'];
const BERLIN_REGIONS = ['Berlin', 'Hamburg', 'München', 'Leipzig', 'Potsdam'];
const SHOP_PRODUCTS = [
  ['精华液', '护肤'], ['面霜', '护肤'], ['洁面乳', '护肤'], ['口红', '彩妆'], ['粉底液', '彩妆'],
  ['香水', '香氛'], ['面膜', '护肤'], ['护发素', '洗护'],
] as const;
const B2B_PRODUCTS = [
  ['Espresso machine', 'Machines'], ['Coffee beans 5 kg', 'Coffee'], ['Milk frother', 'Accessories'],
  ['Descaler pack', 'Maintenance'], ['Grinder', 'Machines'], ['Cups 500 pcs', 'Supplies'],
] as const;
const INTERESTS = ['护肤', '彩妆', '香氛', 'coffee', 'machines', 'gifts', 'vip-events'];
const NOTES = {
  call: ['Called to check satisfaction', '回访：使用体验良好', 'Discussed reorder'],
  visit: ['Visited the store', '到店试用新品', 'On-site demo'],
  message: ['Sent new catalogue', '发送了新品介绍', 'WeChat follow-up'],
  note: ['Prefers evening calls', '喜欢晚上联系', 'Budget approved for Q1'],
  complaint: ['Delivery was late', '产品过敏投诉', 'Machine arrived damaged'],
} as const;

/** Customers whose names the README and tests rely on, first in the list. */
const FIXED_CUSTOMERS: readonly { name: string; romanized: string; team: DemoTeam['key'] }[] = [
  { name: '王芳', romanized: 'wang.fang', team: 'shanghai' },
  { name: 'Emma Fischer', romanized: 'emma.fischer', team: 'berlin' },
  { name: '李伟', romanized: 'li.wei', team: 'shanghai' },
  { name: '王芳', romanized: 'wang.fang2', team: 'shanghai' },
];

export function externalIdFor(index: number): string {
  return `C${String(index + 1).padStart(6, '0')}`;
}

/** Customer `index` of the demo set; independent of how many others are generated. */
export function demoCustomer(index: number, options: DemoOptions, reps: readonly DemoRep[]): DemoCustomer {
  const random = seededRandom(options.seed * 1_000_003 + index);
  const fixed = FIXED_CUSTOMERS[index];
  const team: DemoTeam['key'] = fixed?.team ?? (index % 3 === 1 ? 'berlin' : 'shanghai');
  const chinese = team === 'shanghai';
  let name: string;
  let romanized: string;
  if (fixed) {
    ({ name, romanized } = fixed);
  } else if (chinese) {
    const [surname, surnameLatin] = pick(random, SURNAMES);
    const [given, givenLatin] = pick(random, GIVEN_NAMES);
    name = `${surname}${given}`;
    romanized = `${surnameLatin}.${givenLatin}`;
  } else {
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    name = `${first} ${last}`;
    romanized = `${first}.${last}`.toLowerCase().replace(/ü/g, 'ue');
  }
  const externalId = externalIdFor(index);
  const sellers = reps.filter((r) => r.team === team && r.role === 'rep');
  // Customers alternate between teams by index % 3, so spread owners by index / 3 to give every rep a book.
  const owner = sellers[Math.floor(index / 3) % sellers.length]!;
  const rhythm = pickRhythm(random, index);
  const orders = generateOrders(random, rhythm, externalId, chinese, options.asOf.getTime());
  const hasBirthday = random() < 0.9;
  const month = intBetween(random, 1, 12);
  const day = intBetween(random, 1, daysInMonth(month));
  return {
    externalId,
    name,
    email: random() < 0.8 ? `${romanized}${index >= FIXED_CUSTOMERS.length ? index : ''}@${chinese ? 'example.cn' : 'example.de'}` : null,
    phone: random() < 0.85 ? phoneNumber(random, chinese) : null,
    birthday: hasBirthday ? { month, day, year: random() < 0.75 ? intBetween(random, 1955, 2004) : null } : null,
    timeZone: chinese ? 'Asia/Shanghai' : 'Europe/Berlin',
    region: pick(random, chinese ? SHANGHAI_REGIONS : BERLIN_REGIONS),
    tags: [pick(random, ['18-25', '26-35', '36-45', '46-60', '60+']), pick(random, INTERESTS)],
    ownerEmail: owner.email,
    greetingOptOut: random() < 0.05,
    rhythm,
    orders,
    interactions: generateInteractions(random, options.asOf.getTime()),
    callbackInDays: random() < 0.08 ? intBetween(random, -3, 10) : null,
  };
}

function pickRhythm(random: Random, index: number): DemoCustomer['rhythm'] {
  if (index < FIXED_CUSTOMERS.length) return 'regular';
  const roll = random();
  if (roll < 0.06) return 'prospect';
  if (roll < 0.2) return 'one-time';
  if (roll < 0.36) return 'lapsed';
  if (roll < 0.44) return 'rare-large';
  return 'regular';
}

function generateOrders(random: Random, rhythm: DemoCustomer['rhythm'], externalId: string, chinese: boolean, asOf: number): DemoOrder[] {
  if (rhythm === 'prospect') return [];
  const firstDay = asOf - intBetween(random, 30, 3 * 365) * DAY_MS;
  const meanGapDays = rhythm === 'rare-large' ? intBetween(random, 90, 240) : intBetween(random, 7, 75);
  const median = rhythm === 'rare-large' ? intBetween(random, 2000, 12000) : intBetween(random, 80, 900);
  const marginRate = chinese ? 0.15 + random() * 0.35 : random() < 0.5 ? null : 0.05 + random() * 0.3;
  // A lapsed customer stopped buying between 2 and 10 typical gaps before today.
  const end = rhythm === 'lapsed' ? asOf - Math.round(meanGapDays * (2 + random() * 8)) * DAY_MS : asOf;
  const products: readonly (readonly [string, string])[] = chinese ? SHOP_PRODUCTS : B2B_PRODUCTS;
  const orders: DemoOrder[] = [];
  let at = firstDay;
  while (at <= end) {
    const [product, category] = pick(random, products);
    const amountMinor = Math.round(logNormal(random, median, 0.5)) * 100;
    orders.push({
      externalId: `${externalId}-O${orders.length + 1}`,
      orderedAt: at + intBetween(random, 9, 20) * 3_600_000,
      amountMinor,
      marginMinor: marginRate === null ? null : Math.round(amountMinor * marginRate),
      product,
      category,
    });
    if (rhythm === 'one-time') break;
    at += Math.max(1, Math.round(exponential(random, meanGapDays))) * DAY_MS;
  }
  return orders.filter((o) => o.orderedAt <= asOf);
}

function generateInteractions(random: Random, asOf: number): DemoInteraction[] {
  const count = intBetween(random, 0, 3);
  const interactions: DemoInteraction[] = [];
  for (let i = 0; i < count; i++) {
    const kind = random() < 0.1 ? 'complaint' : pick(random, ['call', 'visit', 'message', 'note'] as const);
    interactions.push({
      kind,
      at: asOf - intBetween(random, 1, 400) * DAY_MS,
      text: pick(random, NOTES[kind]),
      satisfaction: kind === 'call' || kind === 'complaint' ? intBetween(random, kind === 'complaint' ? 1 : 3, 5) : null,
    });
  }
  return interactions.sort((a, b) => a.at - b.at);
}

function phoneNumber(random: Random, chinese: boolean): string {
  if (chinese) return `+861${intBetween(random, 3, 9)}${String(intBetween(random, 0, 999_999_999)).padStart(9, '0')}`;
  return `+4915${intBetween(random, 1, 9)}${String(intBetween(random, 0, 99_999_999)).padStart(8, '0')}`;
}

/** Days in a month of a leap year, so Feb 29 birthdays exist in the demo. */
function daysInMonth(month: number): number {
  return [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}
