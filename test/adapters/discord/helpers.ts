import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { ActionInput, App, CommandInfo, CompleteInput, DispatchInput, FormInput, LinkByEmailResult, Requester } from '../../../src/commands/app.js';
import type { Choice } from '../../../src/commands/options.js';
import { reply, type Reply } from '../../../src/commands/reply.js';
import { createDiscordAdapter, type DiscordAdapterOptions } from '../../../src/adapters/discord/discord-adapter.js';
import type { Logger } from '../../../src/logger.js';
import type { FakeDiscord } from '../../fakes/discord/fake-discord.js';

/**
 * Command declarations as the rebuilt core will hand them over (`App.commands`), written by
 * hand until it lands: grouped words, every option type, required flags, choices.
 */
export const COMMANDS: CommandInfo[] = [
  { name: 'customer lookup', key: 'customerLookup', requires: 'rep', options: [{ name: 'who', type: 'customer', required: true, typed: 'rest' }] },
  {
    name: 'customer list',
    key: 'customerList',
    requires: 'rep',
    options: [
      { name: 'tier', type: 'choice', choices: ['a', 'b', 'c', 'd'], typed: 'keyword' },
      { name: 'rep', type: 'rep', typed: 'keyword' },
      { name: 'page', type: 'number', min: 1, max: 1000, typed: 'flag' },
    ],
  },
  {
    name: 'customer note',
    key: 'customerNote',
    requires: 'rep',
    options: [
      { name: 'complaint', type: 'boolean', typed: 'flag' },
      { name: 'who', type: 'customer', required: true },
      { name: 'text', type: 'text', required: true, multiline: true, maxLength: 2000, typed: 'rest' },
      { name: 'satisfaction', type: 'number', min: 1, max: 5, typed: 'flag' },
    ],
  },
  {
    // No import key in the catalogue yet: the summary of /customer list stands in.
    name: 'customer import',
    key: 'customerList',
    requires: 'manager',
    options: [
      { name: 'kind', type: 'choice', required: true, choices: ['customers', 'orders', 'reps', 'interactions'] },
      { name: 'file', type: 'attachment', required: true },
      { name: 'dry_run', type: 'boolean' },
      { name: 'on_error', type: 'choice', choices: ['abort', 'skip'] },
    ],
  },
  {
    name: 'callback',
    key: 'callback',
    requires: 'rep',
    options: [
      { name: 'who', type: 'customer', required: true },
      { name: 'when', type: 'time', required: true, presets: ['in 1 hour', 'tomorrow 9:00'] },
      { name: 'note', type: 'text', typed: 'rest' },
    ],
  },
  { name: 'callbacks', key: 'callbacks', requires: 'rep', options: [] },
  { name: 'callback done', key: 'callbackDone', requires: 'rep', options: [{ name: 'id', type: 'number', required: true, min: 1 }] },
  {
    name: 'callback snooze',
    key: 'callbackSnooze',
    requires: 'rep',
    options: [
      { name: 'id', type: 'number', required: true, min: 1 },
      { name: 'when', type: 'time', autocomplete: true },
    ],
  },
  { name: 'digest', key: 'scheduler.commands.digest', requires: 'manager', options: [] },
  { name: 'rapport whoami', key: 'rapportWhoami', requires: 'rep', options: [] },
  { name: 'help', key: 'help', requires: 'rep', options: [{ name: 'command', type: 'text', typed: 'rest' }] },
];

export type Call =
  | { method: 'dispatch'; input: DispatchInput }
  | { method: 'handleAction'; input: ActionInput }
  | { method: 'submitForm'; input: FormInput }
  | { method: 'complete'; input: CompleteInput };

/** A stand-in core: records every call and answers with what the test set (default: a short text). */
export class FakeApp implements App {
  readonly calls: Call[] = [];
  readonly commands = COMMANDS;
  onDispatch: (input: DispatchInput) => Promise<Reply> = async () => reply.text('ok');
  onAction: (input: ActionInput) => Promise<Reply> = async () => reply.text('pressed');
  onForm: (input: FormInput) => Promise<Reply> = async () => reply.text('submitted');
  onComplete: (input: CompleteInput) => Promise<Choice[]> = async () => [];
  /** Which Discord servers the installation serves (default: all). */
  serves: (guildId: string) => boolean = () => true;

  dispatch(input: DispatchInput): Promise<Reply> {
    this.calls.push({ method: 'dispatch', input });
    return this.onDispatch(input);
  }
  handleAction(input: ActionInput): Promise<Reply> {
    this.calls.push({ method: 'handleAction', input });
    return this.onAction(input);
  }
  submitForm(input: FormInput): Promise<Reply> {
    this.calls.push({ method: 'submitForm', input });
    return this.onForm(input);
  }
  complete(input: CompleteInput): Promise<Choice[]> {
    this.calls.push({ method: 'complete', input });
    return this.onComplete(input);
  }
  async home(_requester: Requester): Promise<Reply> {
    return reply.text('home');
  }
  async servesWorkspace({ workspaceId }: { workspaceId: string }): Promise<boolean> {
    return this.serves(workspaceId);
  }
  async linkByEmail(): Promise<LinkByEmailResult> {
    return 'no-rep-with-email';
  }
}

/** A promise the test resolves when it chooses: a core that answers late, without sleeping. */
export function controlled<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real pino logger whose lines the test can read. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug', base: undefined }, sink), lines };
}

export const CALLBACK_PATH = /^\/interactions\/\d+\/[^/]+\/callback$/;

/** The adapter in gateway mode against the fake Discord, started. */
export async function startGatewayAdapter(fake: FakeDiscord, app: FakeApp, extra: Partial<DiscordAdapterOptions> = {}) {
  const { logger, lines } = recordingLogger();
  const adapter = createDiscordAdapter({
    app,
    config: { botToken: 'fake-bot-token', applicationId: fake.applicationId, apiUrl: fake.apiUrl },
    logger,
    ...extra,
  });
  await adapter.start();
  return { adapter, lines };
}

/** Dispatches an interaction over the fake gateway and resolves with the callback Discord received for it. */
export async function interact(fake: FakeDiscord, payload: { id: string; token: string }) {
  fake.gateway.dispatch('INTERACTION_CREATE', payload);
  return fake.nextRequest({ method: 'POST', path: new RegExp(`^/interactions/${payload.id}/${payload.token}/callback$`) });
}
