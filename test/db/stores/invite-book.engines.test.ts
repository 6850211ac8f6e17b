import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { InviteBook } from '../../../src/commands/ports.js';
import { createInviteBook } from '../../../src/db/invite-book.js';
import { INVITE_VALID_HOURS, formatInviteCode } from '../../../src/domain/invite-code.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from '../../helpers/engines.js';
import { addRep, repRow } from './fixtures/people.js';

const T0 = new Date('2026-12-01T09:00:00Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);
const SLACK = { platform: 'slack', userId: 'U1' } as const;
const DISCORD = { platform: 'discord', userId: '9001' } as const;

/**
 * Runs `work` while a transaction holds invite `inviteId`'s row lock, and lets go once `waiters`
 * statements wait on a lock: claims that all read the code before any of them could write it.
 */
async function whileInviteLocked<T>(db: TestStoreDatabase, inviteId: number, waiters: number, work: () => Promise<T>): Promise<T> {
  let running: Promise<T> | undefined;
  await db.kysely.transaction().execute(async (trx) => {
    await trx.selectFrom('InviteCode').select('id').where('id', '=', inviteId).forUpdate().execute();
    running = work();
    running.catch(() => {}); // awaited below; this only keeps an early failure from being reported as unhandled
    const deadline = Date.now() + 10_000;
    const waiting = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db.kysely)).rows[0]!.n;
    while ((await waiting()) < waiters) {
      if (Date.now() > deadline) throw new Error(`fewer than ${waiters} statements came to wait on the invite's lock`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  return running!;
}

describeEngines('the invite book', (engine) => {
  let db: TestStoreDatabase;
  let invites: InviteBook;
  let zhang: number;
  let admin: number;
  const invitesOf = (repId: number) => db.kysely.selectFrom('InviteCode').selectAll().where('repId', '=', repId).orderBy('id').execute();
  beforeEach(async () => {
    db = await openTestDatabase(engine);
    invites = createInviteBook(db);
    admin = await addRep(db, { name: 'Boss', email: 'boss@example.com', role: 'admin' });
    zhang = await addRep(db, { name: '张伟', email: 'zhang.wei@example.cn' });
  });
  afterEach(async () => db?.cleanup());

  it('does issue a code valid for a day, keep only its hash, and retire the rep’s older code', async () => {
    const first = await invites.issue(zhang, admin, T0);
    expect(first.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
    expect(first.expiresAt).toEqual(hours(INVITE_VALID_HOURS));
    const second = await invites.issue(zhang, null, hours(1));
    expect(second.inviteId).toBeGreaterThan(first.inviteId);
    const rows = await invitesOf(zhang);
    expect(rows.map((r) => [r.id, r.createdBy, r.usedAt, r.usedPlatform])).toEqual([
      [first.inviteId, admin, hours(1).getTime(), null],
      [second.inviteId, null, null, null],
    ]);
    expect(rows[0]!.codeHash).toBe(crypto.createHash('sha256').update(first.code).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(first.code);
    expect(await invites.claim(first.code, SLACK, hours(2))).toEqual({ ok: false, reason: 'invalid' });
    expect(await invites.claim(second.code, SLACK, hours(2))).toEqual({ ok: true, repId: zhang, inviteId: second.inviteId });
  });

  it('does link the claimer once, however the code is typed, and refuse it the second time', async () => {
    const { code, inviteId } = await invites.issue(zhang, admin, T0);
    const typed = ` ${formatInviteCode(code).toLowerCase()} `;
    expect(await invites.claim(typed, DISCORD, hours(1))).toEqual({ ok: true, repId: zhang, inviteId });
    expect(await repRow(db, zhang)).toMatchObject({ discordUserId: '9001', slackUserId: null, lastPlatform: 'discord' });
    expect((await invitesOf(zhang))[0]).toMatchObject({ usedAt: hours(1).getTime(), usedPlatform: 'discord', usedUserId: '9001' });
    expect(await invites.claim(code, DISCORD, hours(1))).toEqual({ ok: false, reason: 'invalid' });
    expect(await invites.claim(code, { platform: 'discord', userId: '9002' }, hours(1))).toEqual({ ok: false, reason: 'invalid' });
    expect(await repRow(db, zhang)).toMatchObject({ discordUserId: '9001' });
  });

  it('does let one of two claims of a code at once win', async () => {
    const { code, inviteId } = await invites.issue(zhang, admin, T0);
    const claimTwice = () => Promise.all([invites.claim(code, SLACK, hours(1)), invites.claim(code, { platform: 'slack', userId: 'U2' }, hours(1))]);
    // SQLite runs one write transaction at a time; on PostgreSQL both claims read the code as unused and queue on its row lock.
    const results = db.engine === 'postgres' ? await whileInviteLocked(db, inviteId, 2, claimTwice) : await claimTwice();
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'invalid' }]);
    const winner = results[0]!.ok ? 'U1' : 'U2';
    expect((await repRow(db, zhang)).slackUserId).toBe(winner);
  });

  it('does refuse an expired, unknown or malformed code and change nothing', async () => {
    const { code } = await invites.issue(zhang, admin, T0);
    expect(await invites.claim(code, SLACK, hours(INVITE_VALID_HOURS))).toEqual({ ok: false, reason: 'invalid' });
    for (const wrong of ['', 'ABCDE-FGHJK', 'not a code', `${code}X`, "' OR 1=1 --", 'ＡＢＣＤＥＦＧＨＪＫ']) {
      expect(await invites.claim(wrong, SLACK, hours(1)), wrong).toEqual({ ok: false, reason: 'invalid' });
    }
    expect((await invitesOf(zhang))[0]).toMatchObject({ usedAt: null });
    expect(await repRow(db, zhang)).toMatchObject({ slackUserId: null, lastPlatform: null });
  });

  it('does not take a rep from the user they are linked to, nor link an inactive rep, and leaves the code usable', async () => {
    await db.kysely.updateTable('Rep').set({ slackUserId: 'U0' }).where('id', '=', zhang).execute();
    const { code, inviteId } = await invites.issue(zhang, admin, T0);
    expect(await invites.claim(code, SLACK, hours(1))).toEqual({ ok: false, reason: 'rep-linked' });
    // The same user again, or another platform, is no takeover.
    expect(await invites.claim(code, DISCORD, hours(1))).toEqual({ ok: true, repId: zhang, inviteId });
    expect(await repRow(db, zhang)).toMatchObject({ slackUserId: 'U0', discordUserId: '9001' });
    const again = await invites.issue(zhang, admin, hours(2));
    expect(await invites.claim(again.code, { platform: 'slack', userId: 'U0' }, hours(3))).toMatchObject({ ok: true });
    const gone = await addRep(db, { name: 'Gone', email: 'gone@example.com', active: false });
    const theirs = await invites.issue(gone, admin, T0);
    expect(await invites.claim(theirs.code, SLACK, hours(1))).toEqual({ ok: false, reason: 'rep-inactive' });
    expect((await invitesOf(gone))[0]).toMatchObject({ usedAt: null });
    expect(await repRow(db, gone)).toMatchObject({ slackUserId: null });
  });

  it('does count a user’s failed claims since a time, and keep attempts a day', async () => {
    for (const h of [0, 1, 2]) await invites.recordFailedClaim(SLACK, hours(h));
    await invites.recordFailedClaim({ platform: 'slack', userId: 'U2' }, hours(2));
    await invites.recordFailedClaim({ platform: 'discord', userId: 'U1' }, hours(2));
    expect(await invites.failedClaims(SLACK, hours(0.5))).toBe(2);
    expect(await invites.failedClaims(SLACK, hours(-1))).toBe(3);
    expect(await invites.failedClaims(SLACK, hours(2))).toBe(0);
    expect(await invites.failedClaims({ platform: 'discord', userId: '9001' }, hours(-1))).toBe(0);
    // A day later the oldest attempt is pruned by the next one recorded.
    await invites.recordFailedClaim({ platform: 'discord', userId: 'X' }, hours(24.5));
    expect(await invites.failedClaims(SLACK, hours(-1))).toBe(2);
    const left = await db.kysely.selectFrom('ClaimAttempt').select('at').orderBy('id').execute();
    expect(left.map((r) => r.at)).toEqual([hours(1), hours(2), hours(2), hours(2), hours(24.5)].map((d) => d.getTime()));
  });
});
