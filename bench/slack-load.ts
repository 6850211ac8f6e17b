/**
 * The Slack side of `npm run bench -- slack`, in a process of its own so that its clocks do not
 * share the bot's event loop: the fake Slack (Web API and response URLs) and the clients that
 * send signed slash commands. Driven by the bench over IPC (`LoadMessage` in, `LoadReply` out).
 */
import http from 'node:http';
import { FakeSlack } from '../test/fakes/slack/fake-slack.js';
import { slackSignature, slashCommand } from '../test/fakes/slack/slack-requests.js';

export interface LoadRequest {
  userId: string;
  /** The slash command's text, e.g. `lookup C0000042`. */
  text: string;
}

export type LoadMessage =
  | { type: 'start' }
  | { type: 'load'; url: string; signingSecret: string; requests: LoadRequest[]; concurrency: number }
  | { type: 'stop' };

export interface LoadResult {
  /** Per request, ms from sending it until its HTTP answer (Slack's ack) was in. */
  ackMs: number[];
  /** Per request, ms from sending it until its answer reached the response_url. */
  answerMs: number[];
  /** Requests that got no 200, or whose answer never came. */
  failed: number;
  /** What the failed ones got: an HTTP status, an error code, or `no answer`. */
  failures: Record<string, number>;
  wallMs: number;
}

export type LoadReply = { type: 'ready'; apiUrl: string; botToken: string } | ({ type: 'result' } & LoadResult);

const ANSWER_TIMEOUT_MS = 60_000;

let fake: FakeSlack | undefined;

/** One POST; a kept-alive connection the server closed as it was reused is tried again once, as HTTP clients do. */
function post(agent: http.Agent, url: string, headers: Record<string, string>, body: string, again = true): Promise<number | string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (again && req.reusedSocket && error.code === 'ECONNRESET') resolve(post(agent, url, headers, body, false));
      else reject(error);
    });
    req.end(body);
  });
}

/**
 * Sends every request from `concurrency` clients, each signed when it is sent, as Slack would.
 * A client is a person: they type the next command once the answer to the last one is in, so
 * at most `concurrency` commands are in flight.
 */
async function load(slack: FakeSlack, message: Extract<LoadMessage, { type: 'load' }>): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: message.concurrency });
  const ackMs: number[] = [];
  const answerMs: number[] = [];
  const failures: Record<string, number> = {};
  let failed = 0;
  const fail = (why: string) => {
    failed++;
    failures[why] = (failures[why] ?? 0) + 1;
  };
  const bodies = message.requests.map((request) => {
    const responseUrl = slack.responseUrl();
    const form = slashCommand({ user_id: request.userId, command: '/customer', text: request.text, response_url: responseUrl });
    return { responseUrl, body: form.body, contentType: form.contentType };
  });
  let next = 0;
  const postedBefore = slack.callsTo('chat.postMessage').length;
  const started = performance.now();
  const client = async () => {
    while (next < bodies.length) {
      const { responseUrl, body, contentType } = bodies[next++]!;
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(message.signingSecret, timestamp, body) };
      const t0 = performance.now();
      const status = await post(agent, message.url, headers, body).catch((error: NodeJS.ErrnoException) => error.code ?? error.message);
      ackMs.push(performance.now() - t0);
      if (status !== 200) {
        fail(String(status));
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([
        slack.responseTo(responseUrl),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ANSWER_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (answer) answerMs.push(answer.receivedAt - t0);
      else fail('no answer');
    }
  };
  await Promise.all(Array.from({ length: message.concurrency }, client));
  // An answer the bot could not give through the response_url goes to the DM instead.
  for (let i = slack.callsTo('chat.postMessage').length - postedBefore; i > 0; i--) failures['answered in the DM'] = (failures['answered in the DM'] ?? 0) + 1;
  agent.destroy();
  return { ackMs, answerMs, failed, failures, wallMs: performance.now() - started };
}

process.on('message', (message: LoadMessage) => {
  void (async () => {
    if (message.type === 'start') {
      fake = await FakeSlack.start();
      process.send!({ type: 'ready', apiUrl: fake.apiUrl, botToken: fake.options.botToken } satisfies LoadReply);
    } else if (message.type === 'load') {
      process.send!({ type: 'result', ...(await load(fake!, message)) } satisfies LoadReply);
    } else {
      await fake?.stop();
      process.disconnect();
    }
  })();
});
