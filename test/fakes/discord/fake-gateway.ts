import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Waiters } from './waiters.js';

/** Gateway opcodes the fake speaks (https://discord.com/developers/docs/topics/opcodes-and-status-codes). */
export const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

interface GatewayPayload {
  op: number;
  d?: unknown;
  s?: number | null;
  t?: string | null;
}

export interface IdentifyRecord {
  token: string;
  intents: number;
  /** The path the client connected to, with its query (`/gateway?v=10&encoding=json`). */
  url: string;
}

export interface ResumeRecord {
  sessionId: string;
  seq: number;
  url: string;
}

/**
 * A Discord gateway on 127.0.0.1: HELLO, IDENTIFY → READY (with a loopback resume URL),
 * heartbeats and their ACKs, RESUME (replaying what was dispatched while the client was away)
 * and dispatches of any event. `closeConnection` drops the socket the way Discord does before
 * a resume.
 */
export class FakeGateway {
  readonly identifies: IdentifyRecord[] = [];
  readonly resumes: ResumeRecord[] = [];
  heartbeats = 0;
  /** Close codes of connections the client ended (1000: a clean shutdown). */
  readonly clientCloses: number[] = [];
  /** Upgrade requests turned away (see refuseConnections). */
  refused = 0;
  /** What HELLO tells the client; short enough that tests see heartbeats. */
  heartbeatIntervalMs = 45_000;

  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sessionId = 'fake-session-1';
  readonly #history: GatewayPayload[] = [];
  #seq = 0;
  #socket: WebSocket | null = null;
  #origin = '';
  #refusing = 0;
  /** Sockets this fake closed itself (their close is not the client's). */
  readonly #closing = new WeakSet<WebSocket>();

  constructor(
    private readonly waiters: Waiters,
    private readonly identity: { applicationId: string; botUserId: string },
  ) {}

  /** Where `/gateway/bot` sends clients. */
  get url(): string {
    return `${this.#origin}/gateway`;
  }

  /** READY's `resume_gateway_url`: a different path, so tests can see the client used it. */
  get resumeUrl(): string {
    return `${this.#origin}/resume`;
  }

  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  attach(server: http.Server, origin: string): void {
    this.#origin = origin;
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if ((path !== '/gateway' && path !== '/resume') || this.#refusing > 0) {
        if (this.#refusing > 0) {
          this.#refusing -= 1;
          this.refused += 1;
          this.waiters.changed();
        }
        socket.destroy();
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req.url ?? ''));
    });
  }

  /** Sends a dispatch (op 0) to the connected client; kept for replay if the client resumes. */
  dispatch(event: string, data: unknown): void {
    const payload: GatewayPayload = { op: Op.Dispatch, t: event, s: ++this.#seq, d: data };
    this.#history.push(payload);
    if (this.connected) this.#socket!.send(JSON.stringify(payload));
  }

  /** Closes the socket with a resumable code (4000 unknown error), as Discord does now and then. */
  closeConnection(code = 4000): void {
    if (this.#socket) this.#closing.add(this.#socket);
    this.#socket?.close(code, 'fake gateway closed the connection');
  }

  waitForClientClose(count = 1, limitMs?: number): Promise<number> {
    return this.waiters.until(`client close #${count}`, () => this.clientCloses[count - 1], limitMs);
  }

  /** The next `count` connection attempts fail at the handshake, as during a network outage. */
  refuseConnections(count: number): void {
    this.#refusing = count;
  }

  /** `limitMs`: a bot starting in another process (migrations, transpiling) may take longer than the default. */
  waitForIdentify(count = 1, limitMs?: number): Promise<IdentifyRecord> {
    return this.waiters.until(`IDENTIFY #${count}`, () => this.identifies[count - 1], limitMs);
  }

  waitForResume(count = 1): Promise<ResumeRecord> {
    return this.waiters.until(`RESUME #${count}`, () => this.resumes[count - 1]);
  }

  waitForHeartbeat(count = 1): Promise<number> {
    return this.waiters.until(`heartbeat #${count}`, () => (this.heartbeats >= count ? this.heartbeats : undefined));
  }

  close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    return new Promise((resolve) => this.#wss.close(() => resolve()));
  }

  #accept(ws: WebSocket, url: string): void {
    this.#socket = ws;
    ws.on('message', (raw) => this.#receive(ws, url, raw.toString()));
    ws.on('close', (code) => {
      if (this.#socket === ws) this.#socket = null;
      if (!this.#closing.has(ws)) this.clientCloses.push(code);
      this.waiters.changed();
    });
    ws.send(JSON.stringify({ op: Op.Hello, d: { heartbeat_interval: this.heartbeatIntervalMs } }));
  }

  #receive(ws: WebSocket, url: string, raw: string): void {
    let payload: GatewayPayload;
    try {
      payload = JSON.parse(raw) as GatewayPayload;
    } catch {
      ws.close(4002, 'decode error');
      return;
    }
    switch (payload.op) {
      case Op.Heartbeat:
        this.heartbeats++;
        ws.send(JSON.stringify({ op: Op.HeartbeatAck }));
        break;
      case Op.Identify: {
        const d = payload.d as { token: string; intents: number };
        this.identifies.push({ token: d.token, intents: d.intents, url });
        this.dispatch('READY', {
          v: 10,
          user: { id: this.identity.botUserId, username: 'Rapport', discriminator: '0', global_name: null, avatar: null, bot: true },
          guilds: [],
          session_id: this.#sessionId,
          resume_gateway_url: this.resumeUrl,
          shard: [0, 1],
          application: { id: this.identity.applicationId, flags: 0 },
        });
        break;
      }
      case Op.Resume: {
        const d = payload.d as { session_id: string; seq: number };
        this.resumes.push({ sessionId: d.session_id, seq: d.seq, url });
        if (d.session_id !== this.#sessionId) {
          ws.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
          break;
        }
        for (const missed of this.#history.filter((p) => (p.s ?? 0) > d.seq)) ws.send(JSON.stringify(missed));
        ws.send(JSON.stringify({ op: Op.Dispatch, t: 'RESUMED', s: ++this.#seq, d: {} }));
        break;
      }
      default:
        break;
    }
    this.waiters.changed();
  }
}
