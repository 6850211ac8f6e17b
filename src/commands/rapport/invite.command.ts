import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { formatInviteCode } from '../../domain/invite-code.js';
import { formatDateTime, type Locale, type Translate } from '../../i18n/index.js';
import { defineCommand } from '../command.js';
import { repRef } from '../option-schemas.js';
import type { Services } from '../ports.js';
import { reply } from '../reply.js';

export interface InviteDeps {
  services: Pick<Services, 'identities' | 'invites' | 'audit'>;
  clock: Clock;
  t: Translate;
  locale: Locale;
  timeZone: string;
}

/**
 * Issues a one-time code for a rep and says how to use it, audited (never the code itself):
 * the one path behind `/rapport invite` and `rapport invite` on the command line.
 */
export async function inviteRep(query: string, by: { repId: number | null; detail: string }, deps: InviteDeps): Promise<{ ok: boolean; text: string }> {
  const { t } = deps;
  const rep = await deps.services.identities.findRep(query);
  if (!rep) return { ok: false, text: t('rapport.invite.repNotFound', { rep: query }) };
  const now = deps.clock.now();
  const invite = await deps.services.invites.issue(rep.id, by.repId, now);
  await deps.services.audit.record({
    at: now,
    repId: by.repId,
    action: 'rep.invite',
    target: `rep:${rep.id}`,
    detail: JSON.stringify({ invite: invite.inviteId, expiresAt: invite.expiresAt.toISOString(), by: by.detail }),
  });
  const code = formatInviteCode(invite.code);
  const until = formatDateTime(invite.expiresAt, deps.locale, deps.timeZone);
  return { ok: true, text: t('rapport.invite.done', { rep: `${rep.name} <${rep.email}>`, code, until }) };
}

/** Admins: a one-time code a rep types (`/rapport claim <code>`) to link their own Slack or Discord account. */
export const rapportInviteCommand = defineCommand({
  name: 'rapport invite',
  key: 'rapportInvite',
  requires: 'admin',
  options: [{ name: 'rep', type: 'rep', required: true, typed: 'rest' }],
  args: z.object({ rep: repRef('rapport.invite.missingRep') }),
  async run({ rep }, ctx) {
    const result = await inviteRep(rep, { repId: ctx.actor.repId, detail: `${ctx.platform}:${ctx.userId}` }, ctx);
    // The code is for the admin to pass on: shown only to them.
    return result.ok ? reply.text(result.text, 'success') : reply.error(result.text);
  },
});

const USAGE = 'Usage: invite <rep email|id>';

/** `rapport invite <rep>` on the server's command line: the same code, printed. Returns the exit code. */
export async function runInviteCli(args: string[], deps: InviteDeps & { out: NodeJS.WritableStream; err: NodeJS.WritableStream; actor: string }): Promise<number> {
  let query: string | undefined;
  try {
    [query] = parseArgs({ args, allowPositionals: true, options: {} }).positionals;
  } catch (error) {
    deps.err.write(`rapport invite: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!query || args.length !== 1) {
    deps.err.write(`${USAGE}\n`);
    return 2;
  }
  const result = await inviteRep(query, { repId: null, detail: deps.actor }, deps);
  (result.ok ? deps.out : deps.err).write(`${result.text}\n`);
  return result.ok ? 0 : 1;
}
