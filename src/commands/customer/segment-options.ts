import { z } from 'zod';
import { bookScope, mayManage, type BookScope } from '../../domain/actor.js';
import { bornBetween } from '../../domain/age.js';
import { localDateOf } from '../../domain/schedule/local-time.js';
import { TIERS } from '../../domain/tier.js';
import type { CommandContext } from '../command.js';
import { choice, repRef } from '../option-schemas.js';
import type { OptionSpec, OptionValues } from '../options.js';
import type { CustomerListFilter } from '../ports.js';
import { reply } from '../reply.js';
import type { Resolved } from './customer-argument.js';

/**
 * The segments `/customer list` and `/customer export` share (客户分群): each filter given must
 * hold. Declared once, so both commands read, parse, explain and complete them alike.
 */

/** The typed stages and the lifecycle stage each stands for. */
const STAGES = {
  prospect: 'prospect',
  new: 'new',
  active: 'active',
  'at-risk': 'at_risk',
  lapsed: 'lapsed',
  'won-back': 'won_back',
  lost: 'lost',
} as const;
const STAGE_NAMES = Object.keys(STAGES) as (keyof typeof STAGES)[];
/** The long-tail classes (docs/ANALYTICS.md "Long tail"); `long-tail` is the rare and small. */
const TAIL_CLASSES = ['head', 'frequent-small', 'rare-large', 'long-tail'] as const;
const LOW_PROFIT = ['low-profit'] as const;
const SCOPES = ['mine', 'team'] as const;
/** Tags, regions and categories are short labels. */
const MAX_LABEL_LENGTH = 100;
const MAX_AGE = 150;

export const SEGMENT_OPTIONS = [
  { name: 'tier', type: 'choice', choices: TIERS, typed: 'keyword' },
  { name: 'stage', type: 'choice', choices: STAGE_NAMES, typed: 'word' },
  { name: 'tail', type: 'choice', choices: TAIL_CLASSES, typed: 'word' },
  { name: 'profit', type: 'choice', choices: LOW_PROFIT, typed: 'word' },
  { name: 'tag', type: 'text', typed: 'keyword', maxLength: MAX_LABEL_LENGTH },
  { name: 'region', type: 'text', typed: 'keyword', maxLength: MAX_LABEL_LENGTH },
  { name: 'category', type: 'text', typed: 'keyword', maxLength: MAX_LABEL_LENGTH },
  { name: 'age', type: 'text', typed: 'keyword', maxLength: 20 },
  { name: 'scope', type: 'choice', choices: SCOPES, typed: 'word' },
  { name: 'rep', type: 'rep', typed: 'keyword' },
] as const satisfies readonly OptionSpec[];

const label = z.string().trim().min(1, 'customer.list.emptyLabel').max(MAX_LABEL_LENGTH, 'customer.list.labelTooLong');

/** `30-40` (also with – ~ ～ or "to"): whole years, youngest first. */
const ageRange = z.string().transform((value, issue) => {
  const match = /^\s*(\d{1,3})\s*(?:-|–|~|～|to)\s*(\d{1,3})\s*$/i.exec(value);
  const min = Number(match?.[1]);
  const max = Number(match?.[2]);
  if (match && min <= max && max <= MAX_AGE) return { min, max };
  issue.addIssue({ code: 'custom', message: 'customer.list.badAge', params: { value: value.slice(0, 20) } });
  return z.NEVER;
});

export const segmentArgs = {
  tier: choice(TIERS, 'customer.list.badFilter').optional(),
  stage: choice(STAGE_NAMES, 'customer.list.badFilter').optional(),
  tail: choice(TAIL_CLASSES, 'customer.list.badFilter').optional(),
  profit: choice(LOW_PROFIT, 'customer.list.badFilter').optional(),
  tag: label.optional(),
  region: label.optional(),
  category: label.optional(),
  age: ageRange.optional(),
  scope: choice(SCOPES, 'customer.list.badFilter').optional(),
  rep: repRef('customer.list.badFilter').optional(),
};

const segmentSchema = z.object(segmentArgs);
export type SegmentArgs = z.output<typeof segmentSchema>;

/** Mine, team and one rep narrow the same thing: only one of them. */
export const oneOwnerFilter = (a: SegmentArgs) => !(a.scope && a.rep);

export interface Segment {
  scope: BookScope;
  filter: CustomerListFilter;
  /** The filters as option values a button can carry (the rep by id: a long email must not outgrow a payload). */
  options: OptionValues;
}

/** The segment the arguments describe within what the actor may see, or the reply that says why not. */
export async function segmentOf(args: SegmentArgs, ctx: CommandContext): Promise<Resolved<Segment>> {
  const owner = await ownerFilter(args, ctx);
  if (!owner.ok) return owner;
  const now = ctx.clock.now();
  const filter: CustomerListFilter = {
    ...(args.tier ? { tier: args.tier } : {}),
    ...(args.stage ? { lifecycles: [STAGES[args.stage]] } : {}),
    ...(args.tail ? { longTail: args.tail } : {}),
    ...(args.profit ? { lowProfit: true } : {}),
    ...(args.tag !== undefined ? { tag: args.tag } : {}),
    ...(args.region !== undefined ? { region: args.region } : {}),
    ...(args.category !== undefined ? { category: args.category } : {}),
    ...(args.age ? { born: bornBetween(localDateOf(now, ctx.timeZone), args.age.min, args.age.max) } : {}),
    ...owner.value.filter,
  };
  const options: OptionValues = {};
  for (const name of ['tier', 'stage', 'tail', 'profit', 'tag', 'region', 'category', 'scope'] as const) {
    const value = args[name];
    if (value !== undefined) options[name] = value;
  }
  if (args.age) options.age = `${args.age.min}-${args.age.max}`;
  if (args.rep !== undefined && owner.value.filter.ownerId !== undefined) options.rep = owner.value.filter.ownerId;
  return { ok: true, value: { scope: owner.value.scope, filter, options } };
}

/**
 * mine / team / rep @x, within what the actor may see: a rep only ever their own book. A rep
 * naming anyone else gets the same answer whether that rep exists or not (no name probing).
 */
async function ownerFilter(args: SegmentArgs, ctx: CommandContext): Promise<Resolved<{ scope: BookScope; filter: CustomerListFilter }>> {
  const { actor, t } = ctx;
  const scope = bookScope(actor);
  if (args.scope === 'mine') return { ok: true, value: { scope, filter: { ownerId: actor.repId } } };
  if (args.scope === 'team') {
    if (actor.role === 'rep') return { ok: false, reply: reply.error(t('customer.list.repOnlyOwn')) };
    return { ok: true, value: { scope: actor.teamId === null ? scope : { kind: 'team', teamId: actor.teamId }, filter: {} } };
  }
  if (args.rep === undefined) return { ok: true, value: { scope, filter: {} } };
  const rep = await ctx.services.identities.findRep(args.rep);
  if (actor.role === 'rep' && rep?.id !== actor.repId) return { ok: false, reply: reply.error(t('customer.list.repOnlyOwn')) };
  if (!rep) return { ok: false, reply: reply.error(t('customer.assign.repNotFound', { rep: args.rep })) };
  if (!mayManage(actor, rep)) return { ok: false, reply: reply.error(t('customer.list.outsideTeam')) };
  return { ok: true, value: { scope, filter: { ownerId: rep.id } } };
}
