import { z } from 'zod';
import { defineCommand } from '../command.js';
import { customerRef, MAX_QUERY_LENGTH } from '../option-schemas.js';
import { reply } from '../reply.js';
import { resolveCustomer } from './customer-argument.js';

/** A tag is a short label; the separators an import splits tags at (`,，;；、|`) cannot be part of one. */
const MAX_TAG_LENGTH = 50;
const SEPARATORS = /[,，;；、|]/;

interface TagChanges {
  add: string[];
  remove: string[];
}

/** `+vip -coffee tea`: + or nothing adds, - removes; each tag named in the message when it cannot be one. */
const tagChanges = z.string('customer.tag.missingTags').transform((text, issue): TagChanges => {
  const changes: TagChanges = { add: [], remove: [] };
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const remove = word.startsWith('-');
    const tag = word.replace(/^[+-]/, '');
    const problem = tag === '' ? 'customer.tag.emptyTag' : tag.length > MAX_TAG_LENGTH ? 'customer.tag.tooLong' : SEPARATORS.test(tag) ? 'customer.tag.separator' : null;
    if (problem) {
      issue.addIssue({ code: 'custom', message: problem, params: { tag: word.slice(0, MAX_TAG_LENGTH + 1) } });
      return z.NEVER;
    }
    (remove ? changes.remove : changes.add).push(tag);
  }
  if (changes.add.length + changes.remove.length === 0) issue.addIssue({ code: 'custom', message: 'customer.tag.missingTags' });
  return changes;
});

/** 客户分群 in chat: a rep edits the tags of a customer in their book; every change is audited. */
export const customerTagCommand = defineCommand({
  name: 'customer tag',
  key: 'customerTag',
  requires: 'rep',
  options: [
    { name: 'who', type: 'customer', required: true },
    { name: 'tags', type: 'text', required: true, typed: 'rest', maxLength: MAX_QUERY_LENGTH },
  ],
  args: z.object({ who: customerRef('customer.find.missing'), tags: tagChanges }),
  async run({ who, tags }, ctx) {
    const { t } = ctx;
    const found = await resolveCustomer(who, ctx, { command: 'customer tag', options: { tags: [...tags.add.map((tag) => `+${tag}`), ...tags.remove.map((tag) => `-${tag}`)].join(' ') } });
    if (!found.ok) return found.reply;
    const customer = found.value;
    const { before, after } = await ctx.services.customers.editTags(customer.id, tags.add, tags.remove);
    const lower = (list: string[]) => new Set(list.map((tag) => tag.toLowerCase()));
    const added = after.filter((tag) => !lower(before).has(tag.toLowerCase()));
    const removed = before.filter((tag) => !lower(after).has(tag.toLowerCase()));
    await ctx.audit('customer.tag', `customer:${customer.id}`, JSON.stringify({ added, removed }));
    const shown = after.length > 0 ? after.join(', ') : t('customer.tag.none');
    if (added.length + removed.length === 0) return reply.text(t('customer.tag.unchanged', { customer: customer.name, tags: shown }));
    return reply.text(t('customer.tag.done', { customer: customer.name, tags: shown }), 'success');
  },
});
