import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { App } from '../../src/commands/app.js';
import { createDispatcher } from '../../src/commands/dispatcher.js';
import { commands } from '../../src/commands/registry.js';
import { DAY_MS } from '../../src/domain/calendar.js';
import { createDigestService } from '../../src/scheduler/command-services.js';
import { servicesFor } from '../commands/helpers.js';
import { runPlanning } from '../../src/scheduler/planning-run.js';
import { describeEngines, type TestStoreDatabase } from '../helpers/engines.js';
import { DEMO_ASOF, demoDatabase, digestsDrawnBy, recordingChart, writeSnapshots } from './helpers.js';

// Builds digests (and servicesFor, test/commands/helpers.ts, wires the digests, outbox view and background jobs on the raw handle).
describeEngines('/digest and /rapport outbox', (engine) => {
  let db: TestStoreDatabase;
  let app: App;
  const chart = recordingChart();
  const say = (userId: string, text: string) => app.dispatch({ platform: 'console', userId, text });

  beforeAll(async () => {
    db = await demoDatabase(120, DEMO_ASOF, engine);
    const lastWeek = new Date(DEMO_ASOF.getTime() - 7 * DAY_MS);
    await writeSnapshots(db, lastWeek, (id) => ({ lifecycle: 'active', tier: id % 2 ? 'A' : 'B' }));
    await writeSnapshots(db, DEMO_ASOF, (id) => ({ lifecycle: id % 5 === 0 ? 'at_risk' : id % 5 === 1 ? 'lapsed' : 'active', tier: id % 3 ? 'A' : 'C' }));
    await runPlanning(db, DEMO_ASOF);
    const clock = new ManualClock(new Date(DEMO_ASOF.getTime() + 9 * 3_600_000));
    app = createDispatcher({
      commands,
      services: { ...servicesFor(db, clock), digests: createDigestService(db, digestsDrawnBy(db, chart.render)) },
      clock,
      logger: { error() {} } as never,
      defaults: { locale: 'en', timeZone: 'UTC', currency: 'CNY' },
    });
  });
  afterAll(async () => db.cleanup());

  it("does give a manager their team's digest now, in their language, with the chart", async () => {
    const reply = await say('li.na@rapport.demo', '/digest');
    const card = reply.blocks[0]!;
    expect(card).toMatchObject({ type: 'card', title: '每周流失简报 · 2027-W01', subtitle: '上海旗舰店 · 对比 2026-W53' });
    const teamCustomers = await db.kysely.selectFrom('Customer as c').innerJoin('Rep as r', 'r.id', 'c.ownerId').select('c.id').where('r.teamId', '=', 1).execute();
    const atRisk = teamCustomers.filter((c) => c.id % 5 === 0).length;
    expect(card.type === 'card' && card.sections[0]!.fields[0]).toMatchObject({ label: `新增流失风险 (${atRisk})` });
    expect(card.type === 'card' && card.sections[0]!.fields.find((f) => f.label === '层级变化')!.value).toMatch(/^A→C \d+ · B→A \d+ · B→C \d+$/);
    expect(reply.blocks.find((b) => b.type === 'table')).toMatchObject({ columns: ['销售', '流失风险', '沉睡', '挽回成功', '已流失', '风险收入'] });
    expect(reply.blocks.at(-1)).toMatchObject({ type: 'image', fileName: 'churn-2027-W01.png' });
    expect(chart.calls.at(-1)).toEqual([
      { week: '2026-W53', atRisk: 0, lapsed: 0 },
      { week: '2027-W01', atRisk, lapsed: teamCustomers.filter((c) => c.id % 5 === 1).length },
    ]);
    expect(chart.locales.at(-1)).toBe('zh-CN');
  });

  it("does draw the chart in an English manager's language", async () => {
    const reply = await say('anna.schmidt@rapport.demo', '/digest');
    expect(reply.blocks.at(-1)).toMatchObject({ type: 'image', alt: 'At-risk and lapsed customers, last 12 weeks' });
    expect(chart.locales.at(-1)).toBe('en');
  });

  it('does refuse /digest to a rep and /rapport outbox to a manager', async () => {
    expect((await say('zhang.wei@rapport.demo', '/digest')).blocks[0]).toMatchObject({ tone: 'error' });
    expect((await say('anna.schmidt@rapport.demo', '/rapport outbox')).blocks[0]).toMatchObject({ text: 'Only admins can use /rapport outbox.' });
  });

  it('does show admins the outbox counts and the pending nudges, and list both commands in /help', async () => {
    const reply = await say('admin@rapport.demo', '/rapport outbox');
    const { pending } = await db.kysely.selectFrom('Nudge').select((eb) => eb.fn.countAll<number>().as('pending')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    expect(reply.blocks[0]).toMatchObject({ type: 'text', text: `Outbox: Pending ${pending} · in flight 0 · sent 0 · skipped 0 · dead 0` });
    expect(reply.blocks[1]).toMatchObject({ type: 'table', columns: ['ID', 'Kind', 'Due', 'Status', 'Attempts', 'Last error'] });
    const help = await say('admin@rapport.demo', '/help');
    const items = help.blocks[0]!.type === 'list' ? help.blocks[0]!.items.map((i) => i.primary) : [];
    expect(items).toEqual(expect.arrayContaining(['/digest', '/rapport outbox']));
  });
});
