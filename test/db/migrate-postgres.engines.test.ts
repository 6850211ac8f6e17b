import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FatalError } from '../../src/errors.js';
import { POSTGRES_MIGRATIONS_DIR, readMigrations } from '../../src/db/migrate.js';
import { migratePostgres, type PostgresDataStep } from '../../src/db/postgres/migrate-postgres.js';
import { connectDatabase } from '../../src/db/store-database.js';
import { describePostgres } from '../helpers/engines.js';
import { createEmptyPostgresDatabase, postgresUrlOf } from '../helpers/temp-postgres.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describePostgres('migrations on PostgreSQL', () => {
  let database: { name: string; url: string; cleanup: () => Promise<void> };
  let pool: pg.Pool;
  beforeEach(async () => {
    database = await createEmptyPostgresDatabase();
    pool = new pg.Pool({ connectionString: database.url });
    // Dropping the database WITH (FORCE) at cleanup may reach an idle client still closing: not a test failure.
    pool.on('error', () => {});
  });
  afterEach(async () => {
    await pool?.end();
    await database?.cleanup();
  });

  const tables = async () =>
    (await pool.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).rows.map((r) => r.name);
  const recorded = async () => (await pool.query<{ name: string }>('SELECT name FROM "_rapport_migrations" ORDER BY name')).rows.map((r) => r.name);

  it('does apply the whole history to an empty database once, and nothing the second time', async () => {
    const all = readMigrations(POSTGRES_MIGRATIONS_DIR).map((m) => m.name);
    expect(await migratePostgres(pool)).toEqual({ applied: all, alreadyApplied: 0 });
    expect(await migratePostgres(pool)).toEqual({ applied: [], alreadyApplied: all.length });
    expect(await recorded()).toEqual(all);
    expect(await tables()).toEqual(expect.arrayContaining(['Customer', 'Nudge', 'JobRun', 'Lease', 'CustomerNameGram', '_rapport_migrations']));
  });

  it('does refuse a migration that was edited after it was applied, before applying anything newer', async () => {
    const [first] = readMigrations(POSTGRES_MIGRATIONS_DIR);
    await migratePostgres(pool, [first!]);
    const newer = { name: '99990101000000_newer', sql: 'CREATE TABLE "Newer" (id INTEGER)', checksum: 'n' };
    await expect(migratePostgres(pool, [{ ...first!, checksum: 'edited' }, newer])).rejects.toThrow(/was changed after it was applied/);
    expect(await tables()).not.toContain('Newer');
  });

  it('does roll a failing migration back whole and record nothing of it', async () => {
    const broken = { name: '1_broken', sql: 'CREATE TABLE "Half" (id INTEGER); SELECT nonsense FROM nowhere;', checksum: 'b' };
    await expect(migratePostgres(pool, [broken])).rejects.toThrow(/nowhere/);
    expect(await tables()).toEqual(['_rapport_migrations']);
    expect(await recorded()).toEqual([]);
  });

  it('does run a data step once, after every schema migration, and again after it failed', async () => {
    const migrations = [
      { name: '1_a', sql: 'CREATE TABLE "A" (n INTEGER)', checksum: 'a' },
      { name: '2_b', sql: 'CREATE TABLE "B" (n INTEGER)', checksum: 'b' },
    ];
    let fail = true;
    const step: PostgresDataStep = async (db) => {
      // Sees the later migration's table: steps run after all schema migrations.
      await sql`INSERT INTO "B" (n) SELECT 1`.execute(db);
      if (fail) throw new Error('step failed');
    };
    await expect(migratePostgres(pool, migrations, { '1_a': step })).rejects.toThrow('step failed');
    expect((await pool.query('SELECT count(*)::int AS n FROM "B"')).rows[0].n).toBe(0);
    fail = false;
    await migratePostgres(pool, migrations, { '1_a': step });
    await migratePostgres(pool, migrations, { '1_a': step });
    expect((await pool.query('SELECT count(*)::int AS n FROM "B"')).rows[0].n).toBe(1);
    expect(await recorded()).toEqual(['1_a', '1_a#data', '2_b']);
  });

  it('does file the scores and tags that existed before customer_knowledge as SQLite’s migration does', async () => {
    const history = readMigrations(POSTGRES_MIGRATIONS_DIR);
    const knowledge = history.findIndex((m) => m.name.endsWith('_customer_knowledge'));
    await migratePostgres(pool, history.slice(0, knowledge));
    const customers = await pool.query<{ id: number }>(
      `INSERT INTO "Customer" ("externalId", "name", "tags", "createdAt", "updatedAt")
       VALUES ('C1', 'Emma', 'vip,VIP,,b2b', 0, 0), ('C2', 'Li', E'tab\\there', 0, 0), ('C3', 'Ana', '', 0, 0) RETURNING id`,
    );
    const [emma, li] = customers.rows.map((r) => r.id) as [number, number];
    const score = (week: string, longTail: string, clv12Minor: number | null, churnRisk: number | null) =>
      pool.query(
        `INSERT INTO "ScoreSnapshot" ("customerId", "week", "computedAt", "asOf", "frequency", "monetaryMinor", "lifetimeMinor", "orderCount",
           "tier", "valueBand", "lifecycle", "longTail", "clv12Minor", "churnRisk")
         VALUES ($1, $2, 0, 0, 1, 0, 7, 1, 'A', 'high', 'active', $3, $4, $5)`,
        [emma, week, longTail, clv12Minor, churnRisk],
      );
    // 5 × 0.5 is a half: SQLite's ROUND takes it away from zero (3), PostgreSQL's ROUND of a double to even (2).
    await score('2026-W01', 'both', 5, 0.5);
    await score('2026-W02', 'neither', null, 0.5);
    await score('2026-W03', 'tail', 100, null);
    await migratePostgres(pool, history);
    const scores = await pool.query<{ week: string; longTail: string; atStakeMinor: number }>('SELECT "week", "longTail", "atStakeMinor"::int FROM "ScoreSnapshot" ORDER BY "week"');
    expect(scores.rows).toEqual([
      { week: '2026-W01', longTail: 'head', atStakeMinor: 3 },
      { week: '2026-W02', longTail: 'none', atStakeMinor: 4 },
      { week: '2026-W03', longTail: 'tail', atStakeMinor: 0 },
    ]);
    const tags = await pool.query<{ tag: string; customerId: number }>('SELECT "tag", "customerId" FROM "CustomerTag" ORDER BY "tag"');
    expect(tags.rows).toEqual([{ tag: 'b2b', customerId: emma }, { tag: 'vip', customerId: emma }]);
    expect(tags.rows.some((r) => r.customerId === li)).toBe(false);
  });

  it('does let replicas that start at once migrate one after the other (advisory lock), each migration applied once', async () => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: database.url }));
    try {
      const reports = await Promise.all(pools.map((p) => migratePostgres(p)));
      const all = readMigrations(POSTGRES_MIGRATIONS_DIR).map((m) => m.name);
      expect(reports.flatMap((r) => r.applied).sort()).toEqual([...all].sort());
      expect(reports.filter((r) => r.applied.length === all.length)).toHaveLength(1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('does refuse a database with another application’s tables, in one line naming DATABASE_URL', async () => {
    await pool.query('CREATE TABLE invoices (id INTEGER)');
    const url = database.url.replace('postgresql://', 'postgresql://postgres:secret@');
    const refusal = await connectDatabase(url).then(() => null, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(FatalError);
    expect((refusal as Error).message).toMatch(/^DATABASE_URL postgresql:\/\/postgres:\*\*\*@[^ ]+: the database holds another application's tables \(invoices\)/);
    expect(await tables()).toEqual(['invoices']);
  });

  it('does say in one line that a database does not exist or a server cannot be reached, from the CLI', () => {
    const run = (url: string) =>
      spawnSync(process.execPath, [path.join(ROOT, 'bin', 'rapport.mjs'), 'migrate'], { encoding: 'utf8', env: { PATH: process.env.PATH, DATABASE_URL: url }, timeout: 60_000 });
    const missing = run(postgresUrlOf(`${database.name}_missing`));
    expect([missing.status, missing.stderr.trim()]).toEqual([1, expect.stringMatching(/^rapport: DATABASE_URL \S+: the database does not exist; create it first/)]);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const unreachable = run('postgresql://rapport@127.0.0.1:1/rapport');
    expect([unreachable.status, unreachable.stderr.trim()]).toEqual([1, 'rapport: DATABASE_URL postgresql://rapport@127.0.0.1:1/rapport: cannot connect (connect ECONNREFUSED 127.0.0.1:1)']);
    const migrated = run(database.url);
    expect([migrated.status, migrated.stdout]).toEqual([0, expect.stringMatching(/^Applied 20261201110001_baseline, /)]);
  });
});
