import { EventEmitter } from 'node:events';
import http from 'node:http';
import { buffer } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A stand-in for Slack on 127.0.0.1: the Web API (`<origin>/api/<method>`), `response_url`s
 * (`<origin>/respond/<id>`), file downloads and the upload v2 flow, and Socket Mode
 * (`apps.connections.open` hands out a loopback `ws://` URL speaking Slack's envelope
 * protocol). It records everything it is sent, and can be told per method to answer an
 * error, an HTTP 429 with Retry-After, or any other status.
 */

/** One call to the Web API as Slack would see it. */
export interface ApiCall {
  method: string;
  /** From `Authorization: Bearer …` (or a `token` argument). */
  token: string | undefined;
  args: Record<string, unknown>;
  contentType: string;
}

/** What the fake answers one call with. */
export type Answer =
  | { ok: true; [field: string]: unknown }
  | { error: string }
  /** An HTTP-level answer: 429 with Retry-After (seconds), or any other status. */
  | { status: number; retryAfter?: number; body?: string };

type HttpAnswer = Extract<Answer, { status: number }>;
const isHttpAnswer = (answer: Answer): answer is HttpAnswer => typeof (answer as { status?: unknown }).status === 'number';

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
  /** `performance.now()` when it arrived (the Slack bench times answers by it). */
  receivedAt: number;
}

export interface UploadedFile {
  fileId: string;
  fileName: string;
  length: number;
  altText: string | undefined;
  bytes: Buffer;
}

export interface SlackUser {
  id: string;
  email?: string;
  tz?: string;
  isBot?: boolean;
}

/** A file as a Slack `message`/`file_shared` event describes it. */
export interface HostedFile {
  id: string;
  name: string;
  size: number;
  mimetype: string;
  filetype: string;
  url_private: string;
  url_private_download: string;
}

export interface EnvelopeAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export const FAKE_TEAM_ID = 'T0RAPPORT';
export const FAKE_BOT_USER_ID = 'U0BOTUSER';
export const FAKE_BOT_ID = 'B0BOT';
export const FAKE_APP_ID = 'A0RAPPORT';

type Handler = (call: ApiCall) => Answer;

export class FakeSlack {
  readonly calls: ApiCall[] = [];
  /** Every message chat.postMessage posted, with the ts it answered. */
  readonly posted: { channel: string; ts: string; text: string }[] = [];
  readonly responses: ResponseUrlPost[] = [];
  readonly uploads: UploadedFile[] = [];
  /** Download attempts of hosted files: which token each carried. */
  readonly downloads: { fileId: string; token: string | undefined }[] = [];
  readonly users = new Map<string, SlackUser>();
  readonly #events = new EventEmitter();
  readonly #answers = new Map<string, Answer[]>();
  readonly #expiredResponseUrls = new Set<string>();
  readonly #awaitedResponses = new Map<string, (post: ResponseUrlPost) => void>();
  readonly #files = new Map<string, { file: HostedFile; content: Buffer }>();
  readonly #pendingUploads = new Map<string, { fileName: string; length: number; altText: string | undefined }>();
  readonly #sockets = new Set<WebSocket>();
  readonly #acks = new Map<string, (ack: EnvelopeAck) => void>();
  #counter = 0;
  #ts = 1_700_000_000;
  #responsesHeld: Promise<void> | undefined;

  private constructor(
    readonly server: http.Server,
    readonly wss: WebSocketServer,
    readonly options: { botToken: string; appToken: string; teamId: string },
  ) {
    this.#events.setMaxListeners(0);
  }

  static async start(options: { botToken?: string; appToken?: string; teamId?: string } = {}): Promise<FakeSlack> {
    const wss = new WebSocketServer({ noServer: true });
    const server = http.createServer();
    const fake = new FakeSlack(server, wss, {
      botToken: options.botToken ?? 'xoxb-fake-bot-token',
      appToken: options.appToken ?? 'xapp-fake-app-token',
      teamId: options.teamId ?? FAKE_TEAM_ID,
    });
    server.on('request', (req, res) => {
      fake.#serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
    });
    server.on('upgrade', (req, socket, head) => {
      if (!(req.url ?? '').startsWith('/socket/')) return socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => fake.#accept(ws));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** What SLACK_API_URL points at. */
  get apiUrl(): string {
    return `${this.origin}/api/`;
  }

  get teamId(): string {
    return this.options.teamId;
  }

  /** Queues answers for the next calls of `method`, one per call; afterwards the default answer. */
  answer(method: string, ...answers: Answer[]): void {
    this.#answers.set(method, [...(this.#answers.get(method) ?? []), ...answers]);
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** A fresh response_url; posts to it are recorded in `responses`. */
  responseUrl(): string {
    return `${this.origin}/respond/${++this.#counter}`;
  }

  /** Makes a response_url answer 404, as Slack does once it expired (30 minutes, 5 uses). */
  expireResponseUrl(url: string): void {
    this.#expiredResponseUrls.add(url.split('/').pop()!);
  }

  /**
   * Holds the answers to response_url posts (each is recorded when it arrives) until the
   * returned function is called: a reply still in flight, e.g. while the bot is told to stop.
   */
  holdResponses(): () => void {
    let release!: () => void;
    this.#responsesHeld = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.#responsesHeld = undefined;
      release();
    };
  }

  addUser(user: SlackUser): void {
    this.users.set(user.id, user);
  }

  /** Hosts a file for download with the bot token, as `url_private_download` does. */
  hostFile(name: string, content: Buffer | string, options: { size?: number; id?: string } = {}): HostedFile {
    const id = options.id ?? `F0${++this.#counter}`;
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    const url = `${this.origin}/files-pri/${this.teamId}-${id}/download/${encodeURIComponent(name)}`;
    const file: HostedFile = {
      id,
      name,
      size: options.size ?? bytes.length,
      mimetype: 'text/csv',
      filetype: 'csv',
      url_private: url,
      url_private_download: url,
    };
    this.#files.set(id, { file, content: bytes });
    return file;
  }

  /** Resolves with the first call of `method` after the `after`-th one (default: any new call from now). */
  nextCall(method: string, after = this.callsTo(method).length): Promise<ApiCall> {
    return this.#next(() => this.callsTo(method)[after]);
  }

  /** Resolves with the post to this response_url when it comes (a lookup by id: the Slack bench waits on thousands). */
  responseTo(url: string): Promise<ResponseUrlPost> {
    const id = url.split('/').pop()!;
    const posted = this.responses.find((response) => response.id === id);
    if (posted) return Promise.resolve(posted);
    return new Promise((resolve) => this.#awaitedResponses.set(id, resolve));
  }

  /** Resolves with the first response_url post after the `after`-th one (default: any new post from now). */
  nextResponse(after = this.responses.length): Promise<ResponseUrlPost> {
    return this.#next(() => this.responses[after]);
  }

  /** Resolves once a Socket Mode client has connected (and been sent hello). */
  connected(): Promise<void> {
    return this.#next(() => (this.#sockets.size > 0 ? true : undefined)).then(() => undefined);
  }

  /** Resolves once no Socket Mode client is connected any more. */
  disconnected(): Promise<void> {
    return this.#next(() => (this.#sockets.size === 0 ? true : undefined)).then(() => undefined);
  }

  get socketCount(): number {
    return this.#sockets.size;
  }

  /**
   * Sends an envelope to the connected Socket Mode client (type `slash_commands`,
   * `interactive` or `events_api`) and resolves with the client's ack for it.
   */
  sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>): Promise<EnvelopeAck> {
    const socket = [...this.#sockets][0];
    if (!socket) throw new Error('no Socket Mode client is connected');
    const envelopeId = `env-${++this.#counter}`;
    const acked = new Promise<EnvelopeAck>((resolve) => this.#acks.set(envelopeId, resolve));
    const envelope =
      type === 'events_api'
        ? { envelope_id: envelopeId, type, payload, accepts_response_payload: false, retry_attempt: 0, retry_reason: '' }
        : { envelope_id: envelopeId, type, payload, accepts_response_payload: true };
    socket.send(JSON.stringify(envelope));
    return acked;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #next<T>(probe: () => T | undefined): Promise<T> {
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        this.#events.off('change', check);
        resolve(value);
      };
      this.#events.on('change', check);
    });
  }

  #changed(): void {
    this.#events.emit('change');
  }

  #accept(ws: WebSocket): void {
    this.#sockets.add(ws);
    ws.on('message', (data) => {
      const ack = JSON.parse(String(data)) as EnvelopeAck;
      this.#acks.get(ack.envelope_id)?.(ack);
      this.#acks.delete(ack.envelope_id);
    });
    ws.on('close', () => {
      this.#sockets.delete(ws);
      this.#changed();
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: FAKE_APP_ID },
      }),
    );
    this.#changed();
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const body = await buffer(req);
    const contentType = String(req.headers['content-type'] ?? '');
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];

    if (url.pathname.startsWith('/api/') && req.method === 'POST') {
      const args = await parseArgs(body, contentType);
      const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
      const call: ApiCall = { method: url.pathname.slice('/api/'.length), token, args, contentType };
      this.calls.push(call);
      this.#changed();
      return send(res, this.#answerFor(call));
    }
    if (url.pathname.startsWith('/respond/') && req.method === 'POST') {
      const id = url.pathname.slice('/respond/'.length);
      if (this.#expiredResponseUrls.has(id)) return void res.writeHead(404).end('expired_url');
      const post = { id, body: JSON.parse(body.toString('utf8')) as Record<string, unknown>, receivedAt: performance.now() };
      this.responses.push(post);
      this.#awaitedResponses.get(id)?.(post);
      this.#awaitedResponses.delete(id);
      this.#changed();
      await this.#responsesHeld;
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    }
    if (url.pathname.startsWith('/upload/') && req.method === 'POST') {
      const fileId = url.pathname.slice('/upload/'.length);
      const pending = this.#pendingUploads.get(fileId);
      if (!pending) return void res.writeHead(404).end();
      const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
      const part = form.get('body');
      const bytes = part instanceof Blob ? Buffer.from(await part.arrayBuffer()) : Buffer.from(String(part ?? ''));
      this.uploads.push({ fileId, ...pending, bytes });
      this.#changed();
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
    }
    const download = /^\/files-pri\/[^/]+-([^/]+)\/download\//.exec(url.pathname);
    if (download && req.method === 'GET') {
      const hosted = this.#files.get(download[1]!);
      this.downloads.push({ fileId: download[1]!, token: bearer });
      this.#changed();
      if (!hosted) return void res.writeHead(404).end();
      // Without the right token Slack answers 200 with its HTML sign-in page, not an error.
      if (bearer !== this.options.botToken) {
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>Slack</title>');
      }
      return void res.writeHead(200, { 'content-type': hosted.file.mimetype }).end(hosted.content);
    }
    res.writeHead(404).end();
  }

  #answerFor(call: ApiCall): Answer {
    const queued = this.#answers.get(call.method);
    if (queued && queued.length > 0) return queued.shift()!;
    const handler = this.#defaults[call.method];
    return handler ? handler(call) : { error: 'unknown_method' };
  }

  readonly #defaults: Record<string, Handler> = {
    'auth.test': (call) =>
      call.token === this.options.botToken
        ? { ok: true, url: 'https://rapport-test.slack.com/', team: 'Rapport Test', user: 'rapport', team_id: this.teamId, user_id: FAKE_BOT_USER_ID, bot_id: FAKE_BOT_ID }
        : { error: 'invalid_auth' },
    'apps.connections.open': (call) =>
      call.token === this.options.appToken
        ? { ok: true, url: `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/socket/${++this.#counter}` }
        : { error: 'invalid_auth' },
    'conversations.open': (call) => {
      const users = String(call.args.users ?? '');
      if (!this.users.has(users) && !/^[UW]/.test(users)) return { error: 'user_not_found' };
      return { ok: true, channel: { id: `D${users.slice(1)}` } };
    },
    'chat.postMessage': (call) => {
      const ts = this.#nextTs();
      this.posted.push({ channel: String(call.args.channel), ts, text: String(call.args.text ?? '') });
      return { ok: true, channel: call.args.channel, ts, message: { text: call.args.text } };
    },
    'chat.update': (call) => ({ ok: true, channel: call.args.channel, ts: call.args.ts, text: call.args.text }),
    'chat.postEphemeral': () => ({ ok: true, message_ts: this.#nextTs() }),
    'views.open': (call) => ({ ok: true, view: { id: `V0${++this.#counter}`, ...(call.args.view as object) } }),
    'views.publish': (call) => ({ ok: true, view: { id: `V0${++this.#counter}`, ...(call.args.view as object) } }),
    'views.update': (call) => ({ ok: true, view: { id: call.args.view_id, ...(call.args.view as object) } }),
    'users.info': (call) => {
      const user = this.users.get(String(call.args.user));
      if (!user) return { error: 'user_not_found' };
      return {
        ok: true,
        user: {
          id: user.id,
          team_id: this.teamId,
          name: user.email?.split('@')[0] ?? user.id,
          deleted: false,
          is_bot: user.isBot ?? false,
          tz: user.tz ?? 'Asia/Shanghai',
          profile: { ...(user.email ? { email: user.email } : {}), real_name: user.id },
        },
      };
    },
    'files.getUploadURLExternal': (call) => {
      const fileId = `F0UP${++this.#counter}`;
      this.#pendingUploads.set(fileId, {
        fileName: String(call.args.filename),
        length: Number(call.args.length),
        altText: call.args.alt_text === undefined ? undefined : String(call.args.alt_text),
      });
      return { ok: true, upload_url: `${this.origin}/upload/${fileId}`, file_id: fileId };
    },
    'files.completeUploadExternal': (call) => {
      const files = call.args.files as { id: string; title?: string }[];
      const missing = files.find((f) => !this.uploads.some((u) => u.fileId === f.id));
      if (missing) return { error: 'file_not_found' };
      return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
    },
  };

  #nextTs(): string {
    return `${++this.#ts}.000100`;
  }
}

/** The Web API client sends form fields, JSON-encoding objects and arrays; multipart when binary. */
async function parseArgs(body: Buffer, contentType: string): Promise<Record<string, unknown>> {
  if (contentType.startsWith('application/json')) return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  const fields: [string, string][] = contentType.startsWith('multipart/form-data')
    ? [...(await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData()).entries()].map(
        ([key, value]) => [key, typeof value === 'string' ? value : `<file ${value.size} bytes>`],
      )
    : [...new URLSearchParams(body.toString('utf8')).entries()];
  return Object.fromEntries(fields.map(([key, value]) => [key, decodeField(value)]));
}

function decodeField(value: string): unknown {
  if (value.startsWith('{') || value.startsWith('[')) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function send(res: http.ServerResponse, answer: Answer): void {
  if (isHttpAnswer(answer)) {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
    if (answer.retryAfter !== undefined) headers['retry-after'] = String(answer.retryAfter);
    res.writeHead(answer.status, headers).end(answer.body ?? '{"ok":false,"error":"ratelimited"}');
    return;
  }
  const json = 'error' in answer ? { ok: false, error: answer.error } : answer;
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(json));
}
