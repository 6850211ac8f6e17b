import { describe, expect, it } from 'vitest';
import { reply, type Reply } from '../../../src/commands/reply.js';
import { NotifierError, type Notification, type Recipient } from '../../../src/scheduler/notifier.js';
import { type Harness, type Json, harnessPerTest } from './harness.js';

let h: Harness;
harnessPerTest((started) => {
  h = started;
});

const rep: Recipient = { kind: 'rep', repId: 3, name: 'Zhang Wei', addresses: { slack: 'U0ZHANGWEI' }, preferred: 'slack' };
const team: Recipient = { kind: 'team', teamId: 1, name: '上海旗舰店', addresses: { slack: 'C0SALES01' }, preferred: 'slack' };
const notification = (recipient: Recipient, body: Reply = reply.text('Callback due: 王芳 at 10:00')): Notification => ({
  recipient,
  reply: body,
  dedupeKey: 'callback:12:2026-12-01T10:00',
  kind: 'callback',
  late: false,
  nudgeId: 7,
  locale: 'en',
});
const deliver = (recipient: Recipient, body?: Reply) => h.adapter.notifier.deliver(recipient.addresses.slack!, notification(recipient, body));

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the delivery to fail');
}

describe('the Slack notifier', () => {
  it('does send a rep’s nudge to the bot’s DM with them and return where it went', async () => {
    const ref = await deliver(rep);
    expect(h.fake.callsTo('conversations.open').map((c) => c.args)).toEqual([{ users: 'U0ZHANGWEI' }]);
    const [post] = h.fake.callsTo('chat.postMessage');
    expect(post!.args).toMatchObject({ channel: 'D0ZHANGWEI', text: 'Callback due: 王芳 at 10:00', unfurl_links: 'false' });
    expect(post!.token).toBe(h.fake.options.botToken);
    expect(ref).toEqual({ platform: 'slack', channel: 'D0ZHANGWEI', messageId: expect.stringMatching(/^\d+\.\d+$/) });
    await deliver(rep);
    expect(h.fake.callsTo('conversations.open')).toHaveLength(1);
  });

  it('does send a team’s nudge to its channel', async () => {
    const ref = await deliver(team);
    expect(h.fake.callsTo('conversations.open')).toEqual([]);
    expect(h.fake.callsTo('chat.postMessage')[0]!.args.channel).toBe('C0SALES01');
    expect(ref?.channel).toBe('C0SALES01');
  });

  it('does upload the digest chart with files upload v2 and show it inside the message', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await deliver(rep, reply.private({ type: 'text', text: 'Weekly digest' }, { type: 'image', png, alt: 'Churn this week', fileName: 'digest-2026-W49.png' }));
    const [asked] = h.fake.callsTo('files.getUploadURLExternal');
    expect(asked!.args).toMatchObject({ filename: 'digest-2026-W49.png', length: String(png.length), alt_text: 'Churn this week' });
    expect(h.fake.uploads.map((u) => u.bytes)).toEqual([png]);
    const [completed] = h.fake.callsTo('files.completeUploadExternal');
    expect(completed!.args.channel_id).toBeUndefined();
    const fileId = (completed!.args.files as Json[])[0]!.id;
    const blocks = h.fake.callsTo('chat.postMessage')[0]!.args.blocks as Json[];
    expect(blocks[1]).toEqual({ type: 'image', slack_file: { id: fileId }, alt_text: 'Churn this week' });
  });

  it('does turn HTTP 429 into NotifierError.retryAfterMs from Retry-After, after exactly one attempt', async () => {
    h.fake.answer('chat.postMessage', { status: 429, retryAfter: 7 });
    const error = await refusal(deliver(team));
    expect(error).toBeInstanceOf(NotifierError);
    expect(error).toMatchObject({ retryAfterMs: 7000, permanent: false });
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('does turn a 429 on the chart upload into retryAfterMs too, posting nothing half-done', async () => {
    h.fake.answer('files.getUploadURLExternal', { status: 429, retryAfter: 30 });
    const error = await refusal(deliver(rep, reply.private({ type: 'image', png: new Uint8Array([1]), alt: 'chart', fileName: 'c.png' })));
    expect(error).toMatchObject({ retryAfterMs: 30_000 });
    expect(h.fake.callsTo('chat.postMessage')).toEqual([]);
  });

  it.each(['channel_not_found', 'not_in_channel', 'is_archived', 'user_not_found', 'account_inactive', 'invalid_auth'])(
    'does mark %s as permanent, with Slack’s reason in the message',
    async (code) => {
      h.fake.answer(code === 'user_not_found' ? 'conversations.open' : 'chat.postMessage', { error: code });
      const error = await refusal(deliver(code === 'user_not_found' ? rep : team));
      expect(error).toBeInstanceOf(NotifierError);
      expect(error).toMatchObject({ permanent: true, retryAfterMs: undefined, message: `Slack refused: ${code}` });
    },
  );

  it('does leave Slack’s passing troubles transient (retried with backoff by the outbox)', async () => {
    h.fake.answer('chat.postMessage', { error: 'internal_error' }, { status: 503, body: 'upstream down' });
    const platform = await refusal(deliver(team));
    expect(platform).not.toBeInstanceOf(NotifierError);
    expect(platform.message).toBe('Slack error: internal_error');
    const http = await refusal(deliver(team));
    expect(http).not.toBeInstanceOf(NotifierError);
    expect(http.message).toBe('Slack answered HTTP 503');
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('does word Slack’s own lines in the recipient’s language (a nudge longer than 50 blocks)', async () => {
    const long = reply.private(...Array.from({ length: 60 }, (_, i) => ({ type: 'text' as const, text: `line ${i}` })));
    await h.adapter.notifier.deliver('U0ZHANGWEI', { ...notification(rep, long), locale: 'zh-CN' });
    const blocks = h.fake.callsTo('chat.postMessage')[0]!.args.blocks as Json[];
    expect(blocks).toHaveLength(50);
    expect(blocks.at(-1)!.elements[0].text).toBe('……另有 11 项未在此显示。');
  });

  it('does update a message it posted earlier, in place', async () => {
    const ref = await deliver(rep);
    await h.adapter.notifier.update(ref!, reply.text('Done ✓ (王芳)', 'success'));
    const [update] = h.fake.callsTo('chat.update');
    expect(update!.args).toMatchObject({ channel: 'D0ZHANGWEI', ts: ref!.messageId, text: 'Done ✓ (王芳)' });
    expect((update!.args.blocks as Json[])[0]!.text.text).toBe(':white_check_mark: Done ✓ (王芳)');
    h.fake.answer('chat.update', { error: 'message_not_found' });
    expect(await refusal(h.adapter.notifier.update(ref!, reply.text('again')))).toMatchObject({ permanent: true });
  });
});
