import type { CommandContext } from './command.js';
import type { Invocation } from './options.js';
import type { Paging } from './reply.js';

/** Previous/Next buttons that run `again` for the neighbouring pages. */
export function pagingFor(page: number, pages: number, again: Pick<Invocation, 'command' | 'options'>, ctx: CommandContext): Paging {
  const turnTo = (to: number, label: string) => ctx.button(label, { command: again.command, options: { ...again.options, page: to } });
  return {
    page,
    pages,
    ...(page > 1 ? { previous: turnTo(page - 1, ctx.t('buttons.previous')) } : {}),
    ...(page < pages ? { next: turnTo(page + 1, ctx.t('buttons.next')) } : {}),
  };
}
