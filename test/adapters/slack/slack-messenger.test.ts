import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { webApi } from '@slack/bolt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackMessenger } from '../../../src/adapters/slack/slack-messenger.js';
import { translator } from '../../../src/i18n/index.js';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/**
 * A response URL host that answers the first request on a connection and drops the connection
 * when a second one comes on it (a kept-alive connection the server closed as it was reused).
 */
async function droppingKeptConnections(): Promise<{ url: string; bodies: string[]; connections: () => number }> {
  const bodies: string[] = [];
  const served = new WeakSet<object>();
  let connections = 0;
  server = http.createServer((req, res) => {
    if (served.has(req.socket)) return void req.socket.destroy();
    served.add(req.socket);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += String(chunk)));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/respond/1`, bodies, connections: () => connections };
}

describe('answering through a response_url', () => {
  it('does send an answer again on a fresh connection when the kept one was closed as it was reused', async () => {
    const host = await droppingKeptConnections();
    const messenger = createSlackMessenger({ client: new webApi.WebClient('xoxb-unused'), t: translator('en'), logger: pino({ level: 'silent' }) });
    const message = { text: 'hi', blocks: [] };
    await messenger.respond(host.url, message, { replaceOriginal: false, visibility: 'private' });
    await messenger.respond(host.url, { ...message, text: 'again' }, { replaceOriginal: false, visibility: 'private' });
    expect(host.bodies.map((b) => (JSON.parse(b) as { text: string }).text)).toEqual(['hi', 'again']);
    expect(host.connections()).toBe(2);
  });
});
