import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGateway } from './fake-gateway.js';
import { Waiters } from './waiters.js';

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  bytes: Buffer;
}

/** One request the fake REST API received, with its JSON body (or `payload_json`) and files. */
export interface RecordedRequest {
  method: string;
  /** Without the `/api/v10` prefix: `/interactions/1/tok/callback`. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: any;
  files: RecordedFile[];
  /** The status the fake answered with. */
  status: number;
  /** performance.now() when it arrived. */
  at: number;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Match {
  method?: string;
  path: RegExp;
}

export interface FakeDiscordOptions {
  applicationId?: string;
  botUserId?: string;
}

const API_PREFIX = '/api/v10';

/**
 * Discord on 127.0.0.1 for tests: the REST API under `/api/v10` (point discord.js's
 * `rest.api` at `apiUrl`), a gateway WebSocket handed out by `/gateway/bot`, and a CDN for
 * attachments. Every REST request is recorded; `failNext` makes the next matching request
 * answer with an error (a 429 with `retry_after`, a Discord error code) instead.
 */
export class FakeDiscord {
  readonly requests: RecordedRequest[] = [];
  readonly gateway: FakeGateway;
  readonly applicationId: string;
  readonly botUserId: string;

  readonly #waiters = new Waiters();
  readonly #server: http.Server;
  readonly #failures: { match: Match; response: FakeResponse }[] = [];
  readonly #holds: { match: Match; released: Promise<void> }[] = [];
  readonly #files = new Map<string, { bytes: Buffer; contentType: string }>();
  readonly #downloads = new Map<string, number>();
  readonly #commands = new Map<string, unknown[]>();
  #origin = '';
  #nextId = 1_100_000_000_000_000_000n;

  private constructor(options: FakeDiscordOptions) {
    this.applicationId = options.applicationId ?? '1000000000000000001';
    this.botUserId = options.botUserId ?? '1000000000000000002';
    this.gateway = new FakeGateway(this.#waiters, { applicationId: this.applicationId, botUserId: this.botUserId });
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.#server.address() as AddressInfo;
    fake.#origin = `http://127.0.0.1:${port}`;
    fake.gateway.attach(fake.#server, `ws://127.0.0.1:${port}`);
    return fake;
  }

  /** What `DISCORD_API_URL` / `rest.api` should be. */
  get apiUrl(): string {
    return `${this.#origin}/api`;
  }

  /** A new snowflake-shaped id. */
  snowflake(): string {
    return String(this.#nextId++);
  }

  /** Serves bytes at a CDN-like URL, as Discord does for an uploaded attachment. */
  hostFile(name: string, bytes: Buffer, contentType = 'text/csv'): string {
    const path = `/attachments/${this.snowflake()}/${encodeURIComponent(name)}`;
    this.#files.set(path, { bytes, contentType });
    return `${this.#origin}${path}`;
  }

  /** How often the CDN was asked for a URL `hostFile` gave. */
  served(url: string): number {
    return this.#downloads.get(new URL(url).pathname) ?? 0;
  }

  /** The next request matching `match` gets `response` instead of the normal answer. */
  failNext(match: Match, response: FakeResponse): void {
    this.#failures.push({ match, response });
  }

  /**
   * The next request matching `match` is recorded when it arrives but answered only after
   * `release()`: a reply still in flight (what a shutdown must wait for).
   */
  holdNext(match: Match): { release(): void } {
    let release!: () => void;
    this.#holds.push({ match, released: new Promise<void>((resolve) => (release = resolve)) });
    return { release: () => release() };
  }

  /** A 429 as Discord sends it: `Retry-After` (seconds) header and `retry_after` in the body. */
  rateLimitNext(match: Match, retryAfterSeconds: number, global = false): void {
    this.failNext(match, {
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global },
      headers: { 'retry-after': String(retryAfterSeconds), ...(global ? { 'x-ratelimit-global': 'true' } : {}), 'x-ratelimit-scope': 'user' },
    });
  }

  /** A Discord JSON error (50001 Missing Access, 10003 Unknown Channel, 50007, 50013, …). */
  errorNext(match: Match, status: number, code: number, message: string): void {
    this.failNext(match, { status, body: { message, code } });
  }

  /** Resolves with the `index`-th request (1-based) matching, already received or still to come. */
  nextRequest(match: Match, index = 1, limitMs?: number): Promise<RecordedRequest> {
    return this.#waiters.until(`request #${index} ${match.method ?? ''} ${match.path}`, () => this.matching(match)[index - 1], limitMs);
  }

  matching(match: Match): RecordedRequest[] {
    return this.requests.filter((r) => matches(match, r.method, r.path));
  }

  /** The commands last written by a bulk overwrite (global: guildId undefined). */
  registeredCommands(guildId?: string): unknown[] | undefined {
    return this.#commands.get(guildId ?? 'global');
  }

  async stop(): Promise<void> {
    await this.gateway.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#origin);
    const raw = await readAll(req);
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith(API_PREFIX)) {
      this.#downloads.set(url.pathname, (this.#downloads.get(url.pathname) ?? 0) + 1);
      const file = method === 'GET' ? this.#files.get(url.pathname) : undefined;
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length }).end(file.bytes);
      return;
    }
    const path = decodeURIComponent(url.pathname.slice(API_PREFIX.length));
    const { body, files } = await parseBody(req.headers, raw);
    const record: RecordedRequest = { method, path, query: url.searchParams, headers: req.headers, body, files, status: 0, at: performance.now() };
    const hold = this.#holds.findIndex((h) => matches(h.match, method, path));
    const held = hold >= 0 ? this.#holds.splice(hold, 1)[0]!.released : null;
    // A held request is visible (status 0) while it waits.
    if (held) {
      this.requests.push(record);
      this.#waiters.changed();
      await held;
    }
    const failure = this.#failures.findIndex((f) => matches(f.match, method, path));
    const response = failure >= 0 ? this.#failures.splice(failure, 1)[0]!.response : this.#answer(method, path, body, files);
    record.status = response.status;
    if (!held) this.requests.push(record);
    this.#waiters.changed();
    const text = response.body === undefined ? '' : JSON.stringify(response.body);
    res.writeHead(response.status, { ...(text ? { 'content-type': 'application/json' } : {}), ...response.headers });
    res.end(text);
  }

  #answer(method: string, path: string, body: any, files: RecordedFile[]): FakeResponse {
    const route = `${method} ${path}`;
    let m: RegExpMatchArray | null;
    if (route === 'GET /gateway/bot') {
      return ok({ url: this.gateway.url, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } });
    }
    if (route === 'GET /users/@me') return ok({ id: this.botUserId, username: 'Rapport', discriminator: '0', bot: true, avatar: null });
    if ((m = route.match(/^PUT \/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/))) {
      const commands = (body as Record<string, unknown>[]).map((c) => ({ id: this.snowflake(), application_id: m![1], version: '1', ...c }));
      this.#commands.set(m[2] ?? 'global', commands);
      return ok(commands);
    }
    if (/^POST \/interactions\/\d+\/[^/]+\/callback$/.test(route)) return { status: 204 };
    if (route === 'POST /users/@me/channels') return ok({ id: `dm-${body?.recipient_id}`, type: 1, recipients: [{ id: body?.recipient_id }] });
    if ((m = route.match(/^POST \/channels\/([^/]+)\/messages$/))) return ok(this.#message(m[1]!, body, files));
    if ((m = route.match(/^PATCH \/channels\/([^/]+)\/messages\/(\d+)$/))) return ok(this.#message(m[1]!, body, files, m[2]));
    if ((m = route.match(/^(?:PATCH|GET) \/webhooks\/\d+\/[^/]+\/messages\/(@original|\d+)$/))) return ok(this.#message('interaction', body, files, m[1]));
    if (/^DELETE \/webhooks\/\d+\/[^/]+\/messages\/(@original|\d+)$/.test(route)) return { status: 204 };
    if (/^POST \/webhooks\/\d+\/[^/]+$/.test(route)) return ok(this.#message('interaction', body, files));
    return { status: 404, body: { message: `fake Discord has no route ${route}`, code: 0 } };
  }

  #message(channelId: string, body: any, files: RecordedFile[], id?: string) {
    return {
      id: id && id !== '@original' ? id : this.snowflake(),
      channel_id: channelId,
      type: 0,
      content: body?.content ?? '',
      embeds: body?.embeds ?? [],
      components: body?.components ?? [],
      attachments: files.map((f, i) => ({ id: String(i), filename: f.name, size: f.bytes.length, url: `${this.#origin}/attachments/${i}/${f.name}` })),
      author: { id: this.botUserId, username: 'Rapport', bot: true },
      timestamp: new Date(0).toISOString(),
    };
  }
}

function ok(body: unknown): FakeResponse {
  return { status: 200, body };
}

function matches(match: Match, method: string, path: string): boolean {
  return (match.method === undefined || match.method === method) && match.path.test(path);
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** JSON bodies as they are; multipart bodies (files) split into `payload_json` and the files. */
async function parseBody(headers: http.IncomingHttpHeaders, raw: Buffer): Promise<{ body: unknown; files: RecordedFile[] }> {
  const type = headers['content-type'] ?? '';
  if (raw.length === 0) return { body: undefined, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: RecordedFile[] = [];
    let body: unknown;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
      } else {
        files.push({ field, name: value.name, contentType: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
      }
    }
    return { body, files };
  }
  const text = raw.toString('utf8');
  try {
    return { body: JSON.parse(text), files: [] };
  } catch {
    return { body: text, files: [] };
  }
}
