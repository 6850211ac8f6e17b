import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import type { Locale, Translate } from '../i18n/index.js';
import { defineCommand } from './command.js';
import type { Reply } from './reply.js';

/** Builds the weekly churn digest an actor may see (a manager's team, an admin's everything). */
export interface DigestService {
  weeklyDigest(actor: Actor, now: Date, reader: { t: Translate; locale: Locale; timeZone: string; currency: string }): Promise<Reply>;
}

export const digestCommand = defineCommand({
  name: 'digest',
  key: 'scheduler.commands.digest',
  requires: 'manager',
  args: z.object({ text: z.string() }),
  async run(_, ctx) {
    return ctx.services.digests.weeklyDigest(ctx.actor, ctx.clock.now(), {
      t: ctx.t, locale: ctx.locale, timeZone: ctx.timeZone, currency: ctx.currency,
    });
  },
});
