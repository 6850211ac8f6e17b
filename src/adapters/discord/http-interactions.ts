import crypto, { type KeyObject } from 'node:crypto';
import type http from 'node:http';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { RequestListener } from '../http-server.js';
import type { DiscordApi } from './discord-api.js';
import type { InteractionHandler, Responder } from './interaction-handler.js';

/** A raw 32-byte Ed25519 key becomes a KeyObject behind this SPKI DER header. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Requests signed longer ago than this (or this far ahead) are refused as replays. */
export const SIGNATURE_MAX_AGE_S = 5 * 60;

/** Discord's interaction payloads are small; anything bigger is not from Discord. */
const MAX_BODY_BYTES = 1024 * 1024;

export function publicKeyFromHex(hex: string): KeyObject {
  return crypto.createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

const addressed = z.object({ id: z.string().regex(/^\d{1,20}$/), token: z.string().min(1).max(1000) });

export interface InteractionsEndpointOptions {
  publicKey: KeyObject;
  clock: Clock;
  handle: InteractionHandler;
  api: DiscordApi;
  logger: Logger;
  /** Keeps the work of each request so `stop()` can wait for it. */
  track(work: Promise<void>): void;
  accepting(): boolean;
}

function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(`${text}\n`);
}

/**
 * `POST /discord/interactions` for HTTP interactions mode: checks Discord's Ed25519 signature
 * over timestamp + body (bad or stale → 401, as Discord's endpoint check expects), answers PING
 * with PONG, and hands every other interaction to the handler. The first answer goes back as
 * the HTTP response; one carrying files goes through the callback endpoint and the request
 * gets 202, as Discord asks.
 */
export function interactionsEndpoint(options: InteractionsEndpointOptions): RequestListener {
  const verified = (signature: string, timestamp: string, body: Buffer): boolean => {
    if (!/^[0-9a-f]{128}$/i.test(signature) || !/^\d{1,12}$/.test(timestamp)) return false;
    const age = Math.abs(options.clock.now().getTime() / 1000 - Number(timestamp));
    if (age > SIGNATURE_MAX_AGE_S) return false;
    return crypto.verify(null, Buffer.concat([Buffer.from(timestamp), body]), options.publicKey, Buffer.from(signature, 'hex'));
  };

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return plain(res, 405, 'method not allowed');
    }
    const body = await readBody(req);
    if (!body) return plain(res, 413, 'payload too large');
    const signature = String(req.headers['x-signature-ed25519'] ?? '');
    const timestamp = String(req.headers['x-signature-timestamp'] ?? '');
    if (!verified(signature, timestamp, body)) return plain(res, 401, 'invalid request signature');
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return plain(res, 400, 'not JSON');
    }
    const target = addressed.safeParse(payload);
    if (!target.success) return plain(res, 400, 'not an interaction');
    if (!options.accepting()) return plain(res, 503, 'shutting down');
    let answered = false;
    const responder: Responder = {
      async respond(response, files) {
        if (answered) throw new Error('an interaction can be answered only once');
        answered = true;
        if (files.length === 0) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response));
          return;
        }
        await options.api.respond(target.data, response, files);
        res.writeHead(202).end();
      },
    };
    await options.handle(payload, responder);
    if (!answered) plain(res, 400, 'interaction not understood');
  };

  return (req, res) => {
    const work = serve(req, res).catch((error: unknown) => {
      options.logger.error({ err: error }, 'Discord interactions endpoint failed');
      if (!res.headersSent) plain(res, 500, 'internal error');
      else res.end();
    });
    options.track(work);
  };
}
