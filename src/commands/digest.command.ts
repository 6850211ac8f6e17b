import { z } from 'zod';
import { defineCommand } from './command.js';

export const digestCommand = defineCommand({
  name: 'digest',
  key: 'scheduler.commands.digest',
  requires: 'manager',
  options: [],
  args: z.object({}),
  async run(_, ctx) {
    return ctx.services.digests.weeklyDigest(ctx.actor, ctx.clock.now(), {
      t: ctx.t, locale: ctx.locale, timeZone: ctx.timeZone, currency: ctx.currency,
    });
  },
});
