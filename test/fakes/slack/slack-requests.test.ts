import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { slackSignature, slashCommand } from './slack-requests.js';

describe('the signed-request helper for tests', () => {
  it('does sign exactly as Slack does: Bolt’s own verifier accepts it and rejects a changed body', () => {
    const { body } = slashCommand({ text: 'lookup 王芳' });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = slackSignature('secret', timestamp, body);
    expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
    const headers = { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp };
    expect(() => verifySlackRequest({ signingSecret: 'secret', body, headers })).not.toThrow();
    expect(() => verifySlackRequest({ signingSecret: 'secret', body: `${body}x`, headers })).toThrow('signature mismatch');
  });
});
