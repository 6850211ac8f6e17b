import { afterEach, beforeEach, expect } from 'vitest';
import type { App } from '../../../src/commands/app.js';
import type { Platform } from '../../../src/domain/platform.js';
import type { Notifier } from '../../../src/scheduler/notifier.js';
import { ADMIN, ANNA, CHEN_JING, commandHarness, LI_NA, MAX, ZHANG_WEI, type CommandHarness } from '../../commands/helpers.js';
import { engineOfRun } from '../../helpers/engine-of-run.js';
import type { TestStoreDatabase } from '../../helpers/engines.js';
import type { ApiCall } from '../../fakes/slack/fake-slack.js';
import { blockActions, interaction, sendToApp, slashCommand, viewSubmission, type SlackHttpResult } from '../../fakes/slack/slack-requests.js';
import { type Harness, type Json, signed, startHarness } from './harness.js';

/** The demo reps linked to Slack users before each test (刘洋 is not: he links himself by email). */
export const SLACK_USER = {
  admin: 'U0ADMIN',
  liNa: 'U0LINA',
  zhangWei: 'U0ZHANGWEI',
  chenJing: 'U0CHENJING',
  anna: 'U0ANNA',
  max: 'U0MAXWEBER',
} as const;
const LINKED: [email: string, userId: string][] = [
  [ADMIN, SLACK_USER.admin],
  [LI_NA, SLACK_USER.liNa],
  [ZHANG_WEI, SLACK_USER.zhangWei],
  [CHEN_JING, SLACK_USER.chenJing],
  [ANNA, SLACK_USER.anna],
  [MAX, SLACK_USER.max],
];
export const TEAM_CHANNEL = { shanghai: 'C0SHANGHAI', berlin: 'C0BERLIN' } as const;

/** Where a pressed button sits: a message posted in a conversation, an ephemeral answer, or the Home tab. */
export type ButtonPlace = { channel: string; ts: string } | 'ephemeral' | 'home';

export interface SlackBot extends Harness<App> {
  core: CommandHarness<TestStoreDatabase>;
  /** Types a slash command (`/customer lookup 王芳`) as a Slack user: the ack, and the answer posted to its response_url. */
  command(userId: string, line: string): Promise<{ ack: SlackHttpResult; answer: Json; responseUrl: string }>;
  /** Presses the button labelled `label` among `blocks`; resolves with the ack once sent. */
  press(userId: string, blocks: unknown, label: string, place?: ButtonPlace): Promise<{ ack: SlackHttpResult; responseUrl: string }>;
  /** Submits the modal opened by a views.open call, with input values by block and action id. */
  submit(userId: string, opened: ApiCall, values: Json): Promise<SlackHttpResult>;
}

/**
 * The real core (the dispatcher over a copy of the seeded demo database on the run's engine, at
 * the demo's fixed clock) behind the real Slack adapter over HTTP on 127.0.0.1, and a fake Slack. The adapter's
 * notifier is the core's Slack notifier, so sent nudges update where they were posted.
 * `wrap` may put something between adapter and core (a deliberately slow command).
 */
export async function startSlackBot(options: { mode?: 'http' | 'socket'; wrap?: (app: App) => App; uploadLimitBytes?: number } = {}): Promise<SlackBot> {
  const notifiers = new Map<Platform, Notifier>();
  const core = await commandHarness({ notifiers, engine: engineOfRun() });
  const { kysely } = core.db;
  for (const [email, userId] of LINKED) await kysely.updateTable('Rep').set({ slackUserId: userId }).where('email', '=', email).execute();
  await kysely
    .updateTable('Team')
    .set((eb) => ({ slackChannelId: eb.case().when('timeZone', '=', 'Asia/Shanghai').then(TEAM_CHANNEL.shanghai).else(TEAM_CHANNEL.berlin).end() }))
    .execute();
  const harness = await startHarness<App>({
    app: options.wrap ? options.wrap(core.app) : core.app,
    clock: core.clock,
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.uploadLimitBytes ? { uploadLimitBytes: options.uploadLimitBytes } : {}),
  });
  notifiers.set('slack', harness.adapter.notifier);
  const { fake } = harness;

  return {
    ...harness,
    core,
    async command(userId, line) {
      const [command, ...words] = line.split(' ');
      const responseUrl = fake.responseUrl();
      const answered = fake.nextResponse();
      const ack = await sendToApp(harness.eventsUrl, slashCommand({ user_id: userId, command: command!, text: words.join(' '), response_url: responseUrl }), signed);
      expect(ack.status).toBe(200);
      return { ack, answer: (await answered).body, responseUrl };
    },
    async press(userId, blocks, label, place = 'ephemeral') {
      const button = findButton(blocks, label);
      const responseUrl = fake.responseUrl();
      const payload = blockActions({
        actionId: button.action_id,
        ...(button.value !== undefined ? { value: button.value } : {}),
        responseUrl,
        userId,
        container:
          place === 'home'
            ? { type: 'view', view_id: 'V0HOME' }
            : place === 'ephemeral'
              ? { type: 'message', message_ts: '1700000000.000001', channel_id: 'C0SALES01', is_ephemeral: true }
              : { type: 'message', message_ts: place.ts, channel_id: place.channel, is_ephemeral: false },
      });
      if (place === 'home') {
        payload.view = { id: 'V0HOME', type: 'home', blocks: [], private_metadata: '', callback_id: '', state: { values: {} } };
        delete payload.response_url;
        delete payload.message;
      }
      const ack = await sendToApp(harness.eventsUrl, interaction(payload), signed);
      expect(ack.status).toBe(200);
      return { ack, responseUrl };
    },
    submit(userId, opened, values) {
      const view = opened.args.view as Json;
      return sendToApp(harness.eventsUrl, interaction(viewSubmission({ privateMetadata: view.private_metadata, values, userId })), signed);
    },
    async stop() {
      await harness.stop();
      await core.cleanup();
    },
  };
}

/** Starts a fresh bot before each test of the file and stops it after; `use` receives it. */
export function slackBotPerTest(use: (bot: SlackBot) => void, options: Parameters<typeof startSlackBot>[0] = {}): void {
  let current: SlackBot | undefined;
  beforeEach(async () => {
    current = await startSlackBot(options);
    use(current);
  });
  afterEach(async () => {
    await current?.stop();
  });
}

/** Every button in Block Kit blocks (actions rows and section accessories). */
export function buttonsIn(blocks: unknown): Json[] {
  const list = (blocks ?? []) as Json[];
  return list.flatMap((block) => [
    ...(block.type === 'actions' ? (block.elements as Json[]) : []),
    ...(block.accessory?.type === 'button' ? [block.accessory as Json] : []),
  ]);
}

export function findButton(blocks: unknown, label: string): Json {
  const found = buttonsIn(blocks).find((b) => b.text?.text === label);
  if (!found) throw new Error(`no button "${label}" in ${JSON.stringify(buttonsIn(blocks).map((b) => b.text?.text))}`);
  return found;
}

/** All the text a message shows (mrkdwn and plain text of every block, fields included). */
export function shownText(blocks: unknown): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const object = node as Json;
      if ((object.type === 'mrkdwn' || object.type === 'plain_text') && typeof object.text === 'string') texts.push(object.text);
      for (const [key, value] of Object.entries(object)) if (key !== 'value') walk(value);
    }
  };
  walk(blocks);
  return texts.join('\n');
}
