import type { CommandContext } from './command.js';
import type { Invocation } from './options.js';
import type { CommandAction, Paging } from './reply.js';

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
