import type { CommandContext } from './command.js';
import { wholeNumber } from './option-schemas.js';
import type { Invocation } from './options.js';
import type { CommandAction, Paging } from './reply.js';

const MAX_PAGE = 100_000;

/** The `--page N` option of every paged list, and its value (page 1 when not given). */
export const PAGE_OPTION = { name: 'page', type: 'number', min: 1, max: MAX_PAGE, typed: 'flag' } as const;
export const pageNumber = wholeNumber(1, MAX_PAGE, 'customer.list.badPage').optional().transform((n) => n ?? 1);

/** The button that turns to page `to`, when the plain invocation with a `page` option will not do. */
export type PageButton = (to: number, label: string) => CommandAction;

/** Previous/Next buttons that run `again` (or make the button `again` says) for the neighbouring pages. */
export function pagingFor(page: number, pages: number, again: Pick<Invocation, 'command' | 'options'> | PageButton, ctx: CommandContext): Paging {
  const turnTo: PageButton =
    typeof again === 'function' ? again : (to, label) => ctx.button(label, { command: again.command, options: { ...again.options, page: to } });
  return {
    page,
    pages,
    ...(page > 1 ? { previous: turnTo(page - 1, ctx.t('buttons.previous')) } : {}),
    ...(page < pages ? { next: turnTo(page + 1, ctx.t('buttons.next')) } : {}),
  };
}
