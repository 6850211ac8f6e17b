import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAdminCli } from '../src/admin-cli.js';
import { ManualClock } from '../src/clock.js';
import { firstAdmin, NO_ADMIN_HINT } from '../src/db/admins.js';
import { UsageError } from '../src/errors.js';
import { describeEngines, openTestDatabase, type TestStoreDatabase } from './helpers/engines.js';
import { textSink } from './import/import-helpers.js';

const clock = new ManualClock('2026-12-01T09:00:00Z');

describeEngines('rapport admin', (engine) => {
  let db: TestStoreDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => db.cleanup());

  async function admin(...argv: string[]): Promise<{ code: number; out: string }> {
    const out = textSink();
    const code = await runAdminCli(argv, { db, clock, out, actor: 'cli:tester' });
    return { code, out: out.text() };
  }

  const audit = () => db.kysely.selectFrom('AuditLog').select(['at', 'repId', 'action', 'target', 'detail']).orderBy('id').execute();

  it('does say how to create the first admin when there is none', async () => {
    expect(await admin('list')).toEqual({ code: 0, out: `${NO_ADMIN_HINT}\n` });
    expect(await firstAdmin(db)).toBeNull();
  });

  it('does create an admin with no team, audited with who ran the command', async () => {
    expect(await admin('add', ' Jane.Doe@Example.com ', '--name', '\u202EJane\u200B Doe')).toEqual({ code: 0, out: 'Created admin Jane Doe <jane.doe@example.com> (rep 1).\n' });
    expect(await db.kysely.selectFrom('Rep').select(['email', 'name', 'role', 'teamId', 'active']).orderBy('id').execute()).toEqual([
      { email: 'jane.doe@example.com', name: 'Jane Doe', role: 'admin', teamId: null, active: true },
    ]);
    expect(await audit()).toEqual([
      { at: clock.now().getTime(), repId: null, action: 'rep.admin.create', target: 'rep:1', detail: '{"by":"cli:tester","email":"jane.doe@example.com"}' },
    ]);
    expect(await firstAdmin(db)).toMatchObject({ id: 1, email: 'jane.doe@example.com' });
    expect((await admin('add', 'jane.doe@example.com')).out).toBe('Jane Doe <jane.doe@example.com> is already an admin.\n');
    expect(await audit()).toHaveLength(1);
  });

  it('does promote an imported manager, even an inactive one, and keep their name unless given', async () => {
    await db.kysely.insertInto('Rep').values({ email: 'li.na@example.cn', name: '李娜', role: 'manager', active: false, createdAt: 0, updatedAt: 0 }).execute();
    expect(await admin('add', 'li.na@example.cn')).toEqual({ code: 0, out: '李娜 <li.na@example.cn> is now an admin (was manager, inactive).\n' });
    expect((await audit()).at(-1)).toMatchObject({ action: 'rep.admin.promote', target: 'rep:2', detail: '{"by":"cli:tester","email":"li.na@example.cn","before":{"role":"manager","inactive":true}}' });
    expect((await admin('list')).out).toBe('1\tjane.doe@example.com\tJane Doe\n2\tli.na@example.cn\t李娜\n');
  });

  it.each([
    [['add', 'not-an-email', '--name', 'X'], '"not-an-email" is not an email address'],
    [['add', 'new@example.com'], 'new@example.com is not a rep yet; give their name: npm run admin -- add new@example.com --name "<name>"'],
    [['add', 'new@example.com', '--name', '  '], '--name must be 1 to 200 characters on one line'],
    [['add', 'new@example.com', '--name', '\u202E\u200B'], '--name must be 1 to 200 characters on one line'],
    [['add', 'a@example.com', 'b@example.com', '--name', 'X'], 'add takes one email address'],
    [['remove', 'jane.doe@example.com'], 'unknown action "remove"'],
    [[], 'say add or list'],
  ])('does refuse %j with one line', async (argv, message) => {
    await expect(admin(...argv)).rejects.toThrow(new UsageError(message));
  });
});
