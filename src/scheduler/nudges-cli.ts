import { parseArgs } from 'node:util';
import type { BackgroundJobs } from '../background/background-jobs.js';
import type { Clock } from '../clock.js';
import type { StoreDatabase } from '../db/store-database.js';
import { createTeamDirectory } from '../db/team-directory.js';
import { DAY_MS } from '../domain/calendar.js';
import { addDays, isoDate, isoInZone, parseIsoDate, safeZone, startOfLocalDay } from '../domain/schedule/local-time.js';
import type { NudgeKind } from './outbox.js';
import { collectPlan } from './planner.js';
import { createPlanningStore } from '../db/stores/planning-store.js';

export const PREVIEW_KINDS = ['callback', 'cadence', 'birthday', 'winback', 'agenda', 'digest', 'complaint', 'escalation', 'holiday', 'reorder'] as const;
export type PreviewKind = (typeof PREVIEW_KINDS)[number];

export interface PreviewItem {
  kind: PreviewKind;
  /** ISO-8601 with the recipient's offset. */
  due: string;
  customer: string | null;
  target: string;
}

/** The team-channel lists preview under the kind they list. */
const LISTED_AS: Partial<Record<NudgeKind, PreviewKind>> = { 'birthday-list': 'birthday', 'holiday-list': 'holiday' };
const previewKind = (kind: NudgeKind): PreviewKind => LISTED_AS[kind] ?? (kind as PreviewKind);

/** The preview only finds a team: the team directory's one background job (a settings change's check-in refresh) never runs here. */
const NO_BACKGROUND_JOBS: BackgroundJobs = {
  run: async (job) => {
    throw new Error(`the nudges preview writes nothing, so it runs no ${job.kind} job`);
  },
};

const USAGE = 'Usage: nudges --from YYYY-MM-DD --to YYYY-MM-DD [--team <name|id>] [--json]';
const MAX_PREVIEW_DAYS = 366;

/**
 * `nudges`: what the scheduler would plan in a window, by kind and day, from the same planning
 * code as the live scheduler and without writing anything. Returns the exit code.
 */
export async function runNudgesCli(argv: string[], deps: { db: StoreDatabase; clock: Clock; out: NodeJS.WritableStream }): Promise<number> {
  const fail = (message: string) => (deps.out.write(`${message}\n${USAGE}\n`), 2);
  let values: { from?: string; to?: string; team?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { from: { type: 'string' }, to: { type: 'string' }, team: { type: 'string' }, json: { type: 'boolean' } } }));
  } catch (error) {
    return fail((error as Error).message);
  }
  const fromDate = values.from ? parseIsoDate(values.from) : null;
  const toDate = values.to ? parseIsoDate(values.to) : null;
  if (!fromDate || !toDate) return fail('--from and --to must be dates like 2026-12-01');
  let team: { id: number; name: string; timeZone: string } | undefined;
  if (values.team !== undefined) {
    team = (await createTeamDirectory(deps.db, NO_BACKGROUND_JOBS).find(values.team)) ?? undefined;
    if (!team) return fail(`No team "${values.team}"`);
  }
  // Days are the team's calendar days, or UTC days across teams.
  const zone = safeZone(team?.timeZone ?? 'UTC');
  const from = startOfLocalDay(fromDate, zone);
  const to = new Date(startOfLocalDay(addDays(toDate, 1), zone).getTime() - 1);
  if (to < from) return fail('--to is before --from');
  if (to.getTime() - from.getTime() > MAX_PREVIEW_DAYS * DAY_MS) return fail(`The window is at most ${MAX_PREVIEW_DAYS} days`);

  const items = await previewItems(deps.db, from, to, deps.clock.now(), team?.id);
  if (values.json) {
    deps.out.write(`${JSON.stringify(items, null, 2)}\n`);
    return 0;
  }
  deps.out.write(`Nudges that would be planned ${isoDate(fromDate)} … ${isoDate(toDate)}${team ? ` for ${team.name}` : ''} (${zone} days): ${items.length}\n`);
  const byDay = new Map<string, Map<PreviewKind, number>>();
  for (const item of items) {
    const day = item.due.slice(0, 10);
    const counts = byDay.get(day) ?? new Map<PreviewKind, number>();
    counts.set(item.kind, (counts.get(item.kind) ?? 0) + 1);
    byDay.set(day, counts);
  }
  const line = (counts: Map<PreviewKind, number>) =>
    PREVIEW_KINDS.filter((k) => counts.has(k)).map((k) => `${k} ${counts.get(k)}`).join(' · ');
  for (const day of [...byDay.keys()].sort()) deps.out.write(`  ${day}  ${line(byDay.get(day)!)}\n`);
  const totals = new Map<PreviewKind, number>();
  for (const item of items) totals.set(item.kind, (totals.get(item.kind) ?? 0) + 1);
  deps.out.write(`  total       ${line(totals) || 'nothing'}\n`);
  return 0;
}

async function previewItems(db: StoreDatabase, from: Date, to: Date, now: Date, teamId: number | undefined): Promise<PreviewItem[]> {
  const plan = await collectPlan(createPlanningStore(db), { from, to, digestFrom: from, callbacksFrom: from }, now, teamId === undefined ? {} : { teamId });
  const reps = new Map(
    (
      await db.kysely
        .selectFrom('Rep as r')
        .leftJoin('Team as t', 't.id', 'r.teamId')
        .select((eb) => ['r.id', 'r.email', eb.fn.coalesce('r.timeZone', 't.timeZone').as('zone')])
        .execute()
    ).map((r) => [r.id, { label: r.email, zone: safeZone(r.zone) }]),
  );
  const teams = new Map(
    (await db.kysely.selectFrom('Team').select(['id', 'name', 'timeZone']).execute()).map((t) => [t.id, { label: `#${t.name}`, zone: safeZone(t.timeZone) }]),
  );
  const unknown = { label: '?', zone: 'UTC' };
  const item = (kind: PreviewKind, dueAt: Date, target: { label: string; zone: string }, customerId: number | null): PreviewItem => ({
    kind, due: isoInZone(dueAt, target.zone), customer: customerId === null ? null : (plan.externalIds.get(customerId) ?? null), target: target.label,
  });
  const items = [
    ...plan.nudges.map((n) =>
      item(previewKind(n.kind), n.dueAt, (n.target.kind === 'rep' ? reps : teams).get(n.target.id) ?? unknown, n.customerId),
    ),
    // Welcome and second-order calls land on the agenda like check-ins.
    ...[...plan.cadenceCallbacks, ...plan.care.stageCallbacks].map((c) => item('cadence', c.dueAt, reps.get(c.ownerId) ?? unknown, c.customerId)),
    ...plan.winbackPlans.map((w) => item('winback', w.agendaAt, reps.get(w.ownerId) ?? unknown, w.customerId)),
  ].filter((i) => {
    const at = Date.parse(i.due);
    return at >= from.getTime() && at <= to.getTime();
  });
  return items.sort((a, b) => Date.parse(a.due) - Date.parse(b.due) || a.kind.localeCompare(b.kind) || a.target.localeCompare(b.target));
}

