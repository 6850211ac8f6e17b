import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/temp-database.js';

const ROOT = path.resolve(import.meta.dirname, '..');
/** What `npm start` and the `rapport` command run: the compiled build, rebuilt when src/ is newer. */
const LAUNCHER = path.join(ROOT, 'bin', 'rapport.mjs');
const work = tempDir();
afterAll(() => work.cleanup());

/** Runs the real entry point as `npm start` does, with stdin piped (as another user when `uid` is given). */
function rapport(args: string[], input: string, env: Record<string, string> = {}, uid?: number) {
  const result = spawnSync(process.execPath, [LAUNCHER, ...args], {
    cwd: work.dir,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 120_000,
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('rapport bot on the console', () => {
  const env = { DATABASE_URL: `file:${path.join(work.dir, 'demo.db')}` };

  it('does migrate and seed an empty database, answer piped lines and exit 0', () => {
    const run = rapport(['bot'], '/customer lookup Emma Fischer\n/help\n', env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The answer is all there is on stdout: no library banners in front of it.
    expect(run.stdout.startsWith('Emma Fischer')).toBe(true);
    expect(run.stdout).toMatch(/Tier\s+[ABCD] —/);
    expect(run.stdout).toMatch(/Owner\s+\S+/);
    expect(run.stdout).toMatch(/Lifetime spend\s+CN¥/);
    expect(run.stdout).toContain('/customer lookup <name | email | phone | external id>');
    expect(run.stdout).toContain('/customer list [tier A|B|C|D] [prospect|new|active|at-risk|lapsed|won-back|lost] [head|frequent-small|rare-large|long-tail] [low-profit] [tag <tag>]');
  });

  it('does keep the data on the next start and list several matches', () => {
    const run = rapport(['bot'], '/customer lookup 王芳\n', env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/customers match "王芳"/);
    expect(run.stdout).toContain('1. 王芳 (C000001)');
  });

  it('does answer garbage with one line, never a stack trace', () => {
    const run = rapport(['bot'], 'hello\n/frobnicate now\n/customer lookup\n', env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Commands start with "/"');
    expect(run.stdout).toContain('Unknown command "/frobnicate"');
    expect(run.stdout).toContain('Tell me who to look up');
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  });

  it('does stop with one line naming a bad variable', () => {
    const run = rapport(['bot'], '', { DATABASE_URL: 'mysql://nope' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('rapport: Invalid DATABASE_URL: must be a SQLite file: URL such as file:data/rapport.db or a PostgreSQL URL such as postgresql://rapport@localhost/rapport (got "mysql://nope")\n');
  });

  it('does stop with one line, the password hidden, when the PostgreSQL server cannot be reached, before it opens a port or touches a file', () => {
    const discord = { DISCORD_BOT_TOKEN: 'token', DISCORD_APPLICATION_ID: '123', DISCORD_PUBLIC_KEY: 'ab'.repeat(32), PORT: '0' };
    const before = fs.readdirSync(work.dir);
    // Nothing listens on port 1 of 127.0.0.1 (a privileged port): the connection is refused at once, with no network.
    for (const args of [['bot'], ['seed', '--customers', '10'], ['admin', 'list']]) {
      const run = rapport(args, '', { DATABASE_URL: 'postgresql://rapport:hunter2@127.0.0.1:1/rapport', ...discord });
      expect([args[0], run.code, run.stdout, run.stderr]).toEqual([
        args[0], 1, '', 'rapport: DATABASE_URL postgresql://rapport:***@127.0.0.1:1/rapport: cannot connect (connect ECONNREFUSED 127.0.0.1:1)\n',
      ]);
    }
    expect(fs.readdirSync(work.dir)).toEqual(before);
  });

  it('does stop with a sentence, not a log line, when Slack cannot check the bot token', () => {
    // Nothing listens on port 2 of 127.0.0.1 (a privileged port): the start fails at once, with no network.
    const run = rapport(['bot'], '', { ...env, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: 'http://127.0.0.1:2/api/' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('rapport: Could not reach Slack at http://127.0.0.1:2/api/ to check SLACK_BOT_TOKEN: connect ECONNREFUSED 127.0.0.1:2\n');
  });
});

describe('the first day on real data', () => {
  const env = { DATABASE_URL: `file:${path.join(work.dir, 'real.db')}`, RAPPORT_DEMO: 'off' };

  it('does say how to create the first admin, and the console acts as that admin once created', () => {
    const first = rapport(['bot'], '/help\n', env);
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('');
    expect(first.stderr).toBe('rapport: There is no admin yet. Create one with: npm run admin -- add <email> --name "<name>"\n');
    // Do exactly what the line says (npm run admin -- … is `rapport admin …`).
    const said = /npm run (admin) -- (add) <email> --name "<name>"/.exec(first.stderr)!;
    const add = rapport([said[1]!, said[2]!, 'boss@example.com', '--name', 'Erika Boss'], '', env);
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(add.stdout).toBe('Created admin Erika Boss <boss@example.com> (rep 1).\n');
    const bot = rapport(['bot'], '/rapport whoami\n', env);
    expect(bot.code).toBe(0);
    expect(bot.stdout).toMatch(/^You are Erika Boss\n/);
    expect(bot.stdout).toMatch(/Role\s+admin/);
    expect(rapport(['admin', 'list'], '', env).stdout).toBe('1\tboss@example.com\tErika Boss\n');
  });

  it('does answer an unknown --as on the console with a line that works', () => {
    const run = rapport(['bot', '--as', 'nobody@example.com'], '/help\n', env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('There is no active rep "nobody@example.com". Start the console as a rep with npm start -- --as <rep email or id>');
  });
});

describe('--help', () => {
  it.each([[['--help']], [['bot', '--help']], [['seed', '--help']], [['migrate', '--help']], [['nudges', '--help']], [['admin', '--help']], [['admin', 'add', '-h']]])(
    'does print usage and exit 0 for rapport %j, touching no database',
    (args) => {
      const run = rapport(args, '', { DATABASE_URL: `file:${path.join(work.dir, 'help', 'never.db')}` });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^Usage: rapport /);
      expect(fs.existsSync(path.join(work.dir, 'help'))).toBe(false);
    },
  );
});

describe('a database or an output file Rapport cannot use', () => {
  it('does stop at start with one line when DATABASE_URL is a folder', () => {
    const run = rapport(['bot'], '/help\n', { DATABASE_URL: `file:${work.dir}` });
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe(`rapport: DATABASE_URL file:${work.dir}: ${work.dir} is a folder; name a database file in it, e.g. file:${path.join(work.dir, 'rapport.db')}\n`);
  });

  it('does stop at start with one line on a read-only database instead of failing every command', () => {
    const dir = path.join(work.dir, 'read-only');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'rapport.db');
    expect(rapport(['migrate'], '', { DATABASE_URL: `file:${file}` }).code).toBe(0);
    fs.chmodSync(file, 0o444);
    fs.chmodSync(dir, 0o555);
    // root writes through file modes: run as nobody then, as an ordinary user would be.
    fs.chmodSync(work.dir, 0o755);
    const run = rapport(['bot'], '/help\n', { DATABASE_URL: `file:${file}` }, process.getuid?.() === 0 ? 65534 : undefined);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe(
      `rapport: DATABASE_URL file:${file}: cannot write to it: the file is read-only; Rapport writes to its database (migrations, the audit log)\n`,
    );
  });

  it('does refuse scores --export into a missing folder before computing anything', () => {
    const target = path.join(work.dir, 'no-such-folder', 'scores.csv');
    const run = rapport(['scores', '--export', target], '', { DATABASE_URL: `file:${path.join(work.dir, 'demo.db')}` });
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe(`rapport: --export ${target}: cannot write there: the folder ${path.dirname(target)} does not exist\n`);
  });
});
