import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/**
 * Requests as Slack sends them to an app: form-encoded slash commands, `payload=` interactions,
 * JSON events, each signed with the app's signing secret (v0, HMAC-SHA256 over
 * `v0:timestamp:body`), built from the captured payloads under test/fixtures/slack/.
 */

const FIXTURES = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'slack');

export function slackSignature(signingSecret: string, timestampSeconds: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
}

export interface SignedRequest {
  body: string;
  contentType: 'application/x-www-form-urlencoded' | 'application/json';
}

export interface SendOptions {
  signingSecret: string;
  /** Seconds since the epoch (default now): a stale one must be refused. */
  timestamp?: number;
  /** Overrides the computed signature (a forged request). */
  signature?: string;
  /**
   * A connection of its own, closed afterwards: for a request the server answers before reading
   * its whole body (413), which leaves that connection unusable for the next request.
   */
  fresh?: boolean;
}

export interface SlackHttpResult {
  status: number;
  body: string;
  /** Milliseconds from sending the request until the response had arrived. */
  elapsedMs: number;
}

/** POSTs a request to the app the way Slack does, signed unless told otherwise. */
export async function sendToApp(url: string, request: SignedRequest, options: SendOptions): Promise<SlackHttpResult> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': request.contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': options.signature ?? slackSignature(options.signingSecret, timestamp, request.body),
  };
  const started = performance.now();
  if (options.fresh) {
    const { status, body } = await postOnOwnConnection(url, headers, request.body);
    return { status, body, elapsedMs: performance.now() - started };
  }
  const response = await fetch(url, { method: 'POST', headers, body: request.body });
  const body = await response.text();
  return { status: response.status, body, elapsedMs: performance.now() - started };
}

function postOnOwnConnection(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    // The server may answer and close before it has read everything we send.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(body);
  });
}

/** The captured slash command form, with fields replaced. */
export function slashCommand(fields: Record<string, string>): SignedRequest {
  const form = new URLSearchParams(fs.readFileSync(path.join(FIXTURES, 'slash-command.txt'), 'utf8'));
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}

/** An interaction payload (block_actions, view_submission) as Slack posts it: `payload=<json>`. */
export function interaction(payload: object): SignedRequest {
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), contentType: 'application/x-www-form-urlencoded' };
}

/** An Events API request body. */
export function eventCallback(envelope: object): SignedRequest {
  return { body: JSON.stringify(envelope), contentType: 'application/json' };
}

type Json = Record<string, unknown>;

/** A captured JSON fixture, deep-copied so tests can change it freely. */
export function fixture<T extends Json = Json>(name: 'block-actions' | 'view-submission' | 'app-home-opened' | 'file-shared' | 'message-file-share'): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as T;
}

/** The captured block_actions payload for one pressed button. */
export function blockActions(options: { actionId: string; value?: string; responseUrl: string; userId?: string; teamId?: string; container?: Json }): Json {
  const payload = fixture('block-actions');
  const action = (payload.actions as Json[])[0]!;
  action.action_id = options.actionId;
  if (options.value === undefined) delete action.value;
  else action.value = options.value;
  payload.response_url = options.responseUrl;
  if (options.userId) (payload.user as Json).id = options.userId;
  if (options.teamId) {
    (payload.team as Json).id = options.teamId;
    (payload.user as Json).team_id = options.teamId;
  }
  if (options.container) payload.container = options.container;
  return payload;
}

/** The captured view_submission payload with the given metadata and state values. */
export function viewSubmission(options: { privateMetadata: string; values: Json; callbackId?: string; userId?: string }): Json {
  const payload = fixture('view-submission');
  const view = payload.view as Json;
  view.private_metadata = options.privateMetadata;
  view.state = { values: options.values };
  if (options.callbackId) view.callback_id = options.callbackId;
  if (options.userId) (payload.user as Json).id = options.userId;
  return payload;
}
