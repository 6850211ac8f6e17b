import { parseArgs } from 'node:util';
import type { Clock } from './clock.js';
import { addAdmin, listAdmins, NO_ADMIN_HINT } from './db/admins.js';
import type { StoreHandle } from './db/stores/store.js';
import { stripInvisible } from './domain/invisible-text.js';
import { UsageError } from './errors.js';
import { parseEmail } from './import/values.js';

const MAX_NAME = 200;

export interface AdminCliDeps {
  /** Either engine. */
  db: StoreHandle;
  clock: Clock;
  out: NodeJS.WritableStream;
  /** Who runs the command, for the audit log (e.g. "cli:alice"). */
  actor: string;
}

/**
 * `admin add|list`: the first admin of a database filled by import, and who the admins are.
 * Returns the exit code; bad arguments throw UsageError (the CLI prints the usage).
 */
export async function runAdminCli(argv: string[], deps: AdminCliDeps): Promise<number> {
  const parsed = parseArgs({ args: argv, options: { name: { type: 'string' } }, allowPositionals: true });
  const [action, ...rest] = parsed.positionals;
  if (action === 'list') {
    if (rest.length > 0 || parsed.values.name !== undefined) throw new UsageError('list takes no arguments');
    const admins = await listAdmins(deps.db);
    if (admins.length === 0) deps.out.write(`${NO_ADMIN_HINT}\n`);
    for (const admin of admins) deps.out.write(`${admin.id}\t${admin.email}\t${admin.name}${admin.active ? '' : '\t(inactive)'}\n`);
    return 0;
  }
  if (action !== 'add') throw new UsageError(action === undefined ? 'say add or list' : `unknown action "${action}"`);
  if (rest.length !== 1) throw new UsageError('add takes one email address');
  const email = parseEmail(rest[0]!.trim());
  if (!email.ok) throw new UsageError(`"${rest[0]}" is not an email address`);
  // Invisible characters would show on every card the admin owns (U+202E reverses the line).
  const name = parsed.values.name === undefined ? null : stripInvisible(parsed.values.name).trim();
  if (name !== null && (name === '' || name.length > MAX_NAME || /\p{Cc}/u.test(name))) {
    throw new UsageError(`--name must be 1 to ${MAX_NAME} characters on one line`);
  }
  const result = await addAdmin(deps.db, { email: email.value, name }, deps.actor, deps.clock.now());
  if (result.outcome === 'needs-name') throw new UsageError(`${email.value} is not a rep yet; give their name: npm run admin -- add ${email.value} --name "<name>"`);
  const who = `${result.admin.name} <${result.admin.email}>`;
  const { before } = result;
  const was = [before.role, before.inactive ? 'inactive' : undefined, before.name === undefined ? undefined : `named ${before.name}`].filter(Boolean);
  const lines = {
    created: `Created admin ${who} (rep ${result.admin.id}).`,
    promoted: `${who} is now an admin (was ${was.join(', ')}).`,
    unchanged: `${who} is already an admin.`,
  };
  deps.out.write(`${lines[result.outcome]}\n`);
  return 0;
}
