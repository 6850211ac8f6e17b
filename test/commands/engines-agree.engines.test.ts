import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres } from '../helpers/engines.js';
import { ADMIN, ANNA, CHEN_JING, commandHarness, LI_NA, LIU_YANG, MAX, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';

/**
 * The same lines, typed in the same order on a copy of the same demo on each engine, must get the
 * same replies: orderings, ties, counts, NULLs, case folding and number types are where engines
 * differ, and a reply shows them all.
 */
const SESSION: [string, string][] = [
  [ADMIN, '/customer list'], [ADMIN, '/customer list --page 3'], [ADMIN, '/customer list tier A'], [ADMIN, '/customer list lapsed'],
  [ADMIN, '/customer at-risk'], [ADMIN, '/customer at-risk --page 2'], [LI_NA, '/customer list team'], [ANNA, '/customer list team tier B'],
  [ZHANG_WEI, '/customer list'], [CHEN_JING, '/customer list --page 2'], [ADMIN, '/customer lookup 王'], [ADMIN, '/customer lookup wang'],
  [ADMIN, '/customer lookup emma'], [ADMIN, '/customer lookup EMMA FISCHER'], [ADMIN, '/customer lookup 王方'], [ADMIN, '/customer lookup Fischr'],
  [ADMIN, '/customer lookup C000001'], [MAX, '/customer lookup C000002'], [ADMIN, '/customer list tag vip'], [ADMIN, '/customer list region berlin'],
  [ADMIN, '/customer list category 护肤'], [ADMIN, '/customer list age 30-50'], [ADMIN, '/customer export tier A'],
  [ZHANG_WEI, '/callback C000001 tomorrow 10am first'], [ZHANG_WEI, '/callback C000001 tomorrow 10am second'], [ZHANG_WEI, '/callbacks'],
  [LIU_YANG, '/complaint C000004 broken'], [LIU_YANG, '/complaints'], [LI_NA, '/complaints all team'], [ZHANG_WEI, '/winbacks'], [LI_NA, '/winbacks'],
  [ZHANG_WEI, '/customer note C000001 ok --satisfaction 4'], [ZHANG_WEI, '/customer history C000001'], [ZHANG_WEI, '/customer tag C000001 +VIP'],
  [ADMIN, '/customer list tag VIP'], [ZHANG_WEI, '/rapport today'], [LI_NA, '/rapport today'], [ADMIN, '/rapport outbox'], [ADMIN, '/rapport settings'],
  [ADMIN, '/rapport whoami'], [LI_NA, '/customer assign C000001 @liu.yang'], [LIU_YANG, '/customer lookup C000001'], [ADMIN, '/help'],
];

const TIES: [string, string][] = [
  [ADMIN, '/customer list'], [ADMIN, '/customer list --page 2'], [ADMIN, '/customer list --page 5'], [ADMIN, '/customer at-risk'], [ADMIN, '/customer at-risk --page 3'],
  [LI_NA, '/customer list team'], [LI_NA, '/customer list team --page 2'], [ZHANG_WEI, '/customer list'], [ADMIN, '/customer lookup 同名'],
  [ADMIN, '/customer export'], [LI_NA, '/rapport today'], [ZHANG_WEI, '/rapport today'], [ADMIN, '/customer list tier B --page 4'],
];

describePostgres('the command replies on both engines', () => {
  let sqlite: AnyEngineHarness;
  let postgres: AnyEngineHarness;
  beforeAll(async () => {
    [sqlite, postgres] = await Promise.all([commandHarness({ engine: 'sqlite' }), commandHarness({ engine: 'postgres' })]);
  });
  afterAll(async () => Promise.all([sqlite?.cleanup(), postgres?.cleanup()]));

  /** The line said on both, the replies compared. */
  async function same(who: string, line: string): Promise<void> {
    const [onSqlite, onPostgres] = [await sqlite.say(who, line), await postgres.say(who, line)];
    // A file's bytes compare as the text they hold.
    const comparable = (reply: typeof onSqlite) => JSON.parse(JSON.stringify(reply, (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
    expect(comparable(onPostgres), `${who}: ${line}`).toEqual(comparable(onSqlite));
    // A line refused on both would prove nothing.
    expect(onSqlite.blocks.some((b) => b.type === 'text' && b.tone === 'error'), `${who}: ${line}`).toBe(false);
  }

  it('does answer the same session with the same replies on SQLite and PostgreSQL', async () => {
    for (const [who, line] of SESSION) await same(who, line);
    expect([sqlite.errors, postgres.errors]).toEqual([[], []]);
  });

  it('does break ties the same way on both: equal values at stake, equal risks, equal names', async () => {
    for (const h of [sqlite, postgres]) {
      await h.db.kysely.updateTable('ScoreSnapshot').set({ atStakeMinor: 100_000, churnRisk: 0.7, clv12Minor: 500_000, lifecycle: 'at_risk', tier: 'B' }).execute();
      await h.db.kysely.updateTable('Customer').set({ name: '同名' }).where('id', '<=', 40).execute();
      await h.db.kysely.updateTable('Customer').set({ region: null }).where('id', '>', 80).execute();
    }
    for (const [who, line] of TIES) await same(who, line);
  });

  it('does fold the case of names and emails beyond ASCII, and of tags, the same way on both', async () => {
    for (const h of [sqlite, postgres]) {
      await h.db.kysely.updateTable('Customer').set({ name: 'Zoë Müller', email: 'Zoë.Müller@Example.DE', tags: 'Ärger,vip' }).where('id', '=', 2).execute();
      await h.db.kysely.updateTable('Customer').set({ name: 'ZOË MÜLLER' }).where('id', '=', 6).execute();
    }
    for (const line of ['/customer lookup zoë müller', '/customer lookup ZOË MÜLLER', '/customer lookup Zoë Müller', '/customer lookup müller', '/customer lookup MÜLL',
      '/customer lookup zoë.müller@example.de', '/customer lookup ZOË.MÜLLER@EXAMPLE.DE', '/customer list tag VIP', '/customer list tag Vip']) {
      await same(ADMIN, line);
    }
  });

  it('does take a category written in several cases beyond ASCII as one on the card on both', async () => {
    for (const h of [sqlite, postgres]) {
      const orders = await h.db.kysely.selectFrom('Order').select('id').where('customerId', '=', 3).orderBy('id').execute();
      await h.db.kysely.updateTable('Order').set({ category: 'Öl' }).where('id', 'in', orders.slice(1).map((o) => o.id)).execute();
      await h.db.kysely.updateTable('Order').set({ category: 'öl' }).where('id', '=', orders[0]!.id).execute();
    }
    await same(ADMIN, '/customer lookup C000003');
  });

  // Known difference, reported: segments compare tags and regions with the "nocase" collation, which folds A-Z only on SQLite and every script on PostgreSQL.
  it('does filter tags and regions without regard to case beyond ASCII the same way on both', async () => {
    for (const h of [sqlite, postgres]) await h.db.kysely.updateTable('Customer').set({ region: 'Österreich', tags: 'Ärger' }).where('id', '=', 3).execute();
    const { externalId } = await sqlite.db.kysely.selectFrom('Customer').select('externalId').where('id', '=', 3).executeTakeFirstOrThrow();
    for (const line of ['/customer list tag ärger', '/customer list region österreich', '/customer list tag ÄRGER region ÖSTERREICH']) {
      await same(ADMIN, line);
      // Found, not only missed alike on both.
      expect(textOf(await sqlite.say(ADMIN, line)), line).toContain(externalId);
    }
  });
});
