import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import type { ActionInput, App, CommandInfo, DispatchInput, FormInput, LinkByEmailResult, Requester } from '../../../src/commands/app.js';
import type { Choice } from '../../../src/commands/options.js';
import { reply, type Reply } from '../../../src/commands/reply.js';
import { createHttpServer, type HttpServer } from '../../../src/adapters/http-server.js';
import { createSlackAdapter, SLACK_EVENTS_PATH } from '../../../src/adapters/slack/slack-adapter.js';
import { loadConfig } from '../../../src/config.js';
import { ManualClock } from '../../../src/clock.js';
import { FakeSlack } from '../../fakes/slack/fake-slack.js';

/** The core's top-level commands as the real registry names them (what the manifest and routing read). */
export const COMMANDS: CommandInfo[] = [
  { name: 'customer lookup', key: 'customerLookup', requires: 'rep', options: [] },
  { name: 'customer note', key: 'customerNote', requires: 'rep', options: [] },
  { name: 'callback', key: 'callback', requires: 'rep', options: [] },
  { name: 'callbacks', key: 'callbacks', requires: 'rep', options: [] },
  { name: 'digest', key: 'scheduler.commands.digest', requires: 'manager', options: [] },
  { name: 'rapport whoami', key: 'rapportWhoami', requires: 'rep', options: [] },
  { name: 'help', key: 'help', requires: 'rep', options: [] },
];

type Answer<I> = (input: I) => Reply | Promise<Reply>;

/**
 * A small stand-in for the core: canned replies per call, and a record of every call, so the
 * adapter can be tested over the wire before the real core lands.
 */
export class FakeApp implements App {
  readonly commands = COMMANDS;
  readonly dispatched: DispatchInput[] = [];
  readonly actions: ActionInput[] = [];
  readonly forms: FormInput[] = [];
  readonly homes: Requester[] = [];
  readonly links: (Requester & { email: string })[] = [];

  onDispatch: Answer<DispatchInput> = (input) => reply.text(`echo ${'text' in input ? input.text : input.command}`);
  onAction: Answer<ActionInput> = () => reply.text('pressed');
  onForm: Answer<FormInput> = () => reply.text('submitted', 'success');
  onHome: Answer<Requester> = () => reply.private({ type: 'text', text: 'Your day' });
  onLink: (input: Requester & { email: string }) => LinkByEmailResult = () => 'already-linked';

  async dispatch(input: DispatchInput): Promise<Reply> {
    this.dispatched.push(input);
    return this.onDispatch(input);
  }
  async handleAction(input: ActionInput): Promise<Reply> {
    this.actions.push(input);
    return this.onAction(input);
  }
  async submitForm(input: FormInput): Promise<Reply> {
    this.forms.push(input);
    return this.onForm(input);
  }
  async complete(): Promise<Choice[]> {
    return [];
  }
  async home(requester: Requester): Promise<Reply> {
    this.homes.push(requester);
    return this.onHome(requester);
  }
  async linkByEmail(input: Requester & { email: string }): Promise<LinkByEmailResult> {
    this.links.push(input);
    return this.onLink(input);
  }
  async servesWorkspace(): Promise<boolean> {
    return true;
  }
}

export const SIGNING_SECRET = 'test-signing-secret-8f3a';

export interface Harness<A extends App = FakeApp> {
  fake: FakeSlack;
  app: A;
  http: HttpServer;
  adapter: ReturnType<typeof createSlackAdapter>;
  clock: ManualClock;
  /** Where Slack would POST (HTTP mode). */
  eventsUrl: string;
  origin: string;
  stop(): Promise<void>;
}

/** The real adapter (real Bolt) on 127.0.0.1 over `app` (default: a FakeApp), its Web API pointed at a fake Slack. */
export async function startHarness<A extends App = FakeApp>(
  options: { mode?: 'http' | 'socket'; app?: A; clock?: ManualClock; env?: Record<string, string>; uploadLimitBytes?: number } = {},
): Promise<Harness<A>> {
  const fake = await FakeSlack.start();
  const app = options.app ?? (new FakeApp() as App as A);
  const config = loadConfig({
    SLACK_BOT_TOKEN: fake.options.botToken,
    SLACK_API_URL: fake.apiUrl,
    ...(options.mode === 'socket' ? { SLACK_APP_TOKEN: fake.options.appToken } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    ...options.env,
  });
  const http = createHttpServer({ port: 0, host: '127.0.0.1' });
  http.route('/healthz', (_req, res) => res.writeHead(200).end('ok'));
  const clock = options.clock ?? new ManualClock('2026-12-01T09:00:00Z');
  const adapter = createSlackAdapter({
    app,
    config,
    logger: pino({ level: 'silent' }),
    http,
    clock,
    ...(options.uploadLimitBytes ? { uploadLimitBytes: options.uploadLimitBytes } : {}),
  });
  await adapter.start();
  const port = await http.listen();
  const origin = `http://127.0.0.1:${port}`;
  return {
    fake,
    app,
    http,
    adapter,
    clock,
    origin,
    eventsUrl: `${origin}${SLACK_EVENTS_PATH}`,
    async stop() {
      await adapter.stop();
      await http.close();
      await fake.stop();
    },
  };
}

/** Starts a fresh harness before each test of the file and stops it after; `use` receives it. */
export function harnessPerTest(use: (harness: Harness) => void, options: { mode?: 'http' | 'socket'; env?: Record<string, string> } = {}): void {
  let current: Harness | undefined;
  beforeEach(async () => {
    const started = await startHarness<FakeApp>(options);
    current = started;
    use(started);
  });
  afterEach(async () => {
    await current?.stop();
  });
}

/** Signing options for requests to the harness. */
export const signed = { signingSecret: SIGNING_SECRET };

export type Json = Record<string, any>;

/**
 * A core answer held back until the test releases it: proves that Slack got its ack while the
 * core was still working, and that stopping waits for the answer.
 */
export function heldAnswer(answer: Reply): { produce: () => Promise<Reply>; started: Promise<void>; release: () => void } {
  let release!: () => void;
  let start!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const started = new Promise<void>((resolve) => (start = resolve));
  return {
    produce: async () => {
      start();
      await gate;
      return answer;
    },
    started,
    release,
  };
}
