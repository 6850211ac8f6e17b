import { describe, expect, it } from 'vitest';
import { RELINK_AFTER_MS } from '../../../src/adapters/slack/slack-identity.js';
import { sendToApp, slashCommand } from '../../fakes/slack/slack-requests.js';
import { type Harness, harnessPerTest, signed } from './harness.js';

let h: Harness;
harnessPerTest((started) => {
  h = started;
});

async function command(userId: string): Promise<void> {
  const answered = h.fake.nextResponse();
  await sendToApp(h.eventsUrl, slashCommand({ user_id: userId, text: 'lookup 王芳', response_url: h.fake.responseUrl() }), signed);
  await answered;
}

describe('linking Slack users by email', () => {
  it('does look a new user’s email up once and ask the core to link them before their first command', async () => {
    h.fake.addUser({ id: 'U0LINA', email: 'li.na@rapport.demo' });
    h.app.onLink = () => 'linked';
    await command('U0LINA');
    expect(h.fake.callsTo('users.info').map((c) => c.args)).toEqual([{ user: 'U0LINA' }]);
    expect(h.app.links).toEqual([{ platform: 'slack', userId: 'U0LINA', email: 'li.na@rapport.demo' }]);
    expect(h.app.dispatched.map((d) => d.userId)).toEqual(['U0LINA']);
    await command('U0LINA');
    expect(h.fake.callsTo('users.info')).toHaveLength(1);
    expect(h.app.links).toHaveLength(1);
  });

  it('does try again later, not on every command, when no rep has the user’s email', async () => {
    h.fake.addUser({ id: 'U0NEW', email: 'new.hire@rapport.demo' });
    h.app.onLink = () => 'no-rep-with-email';
    await command('U0NEW');
    await command('U0NEW');
    expect(h.app.links).toHaveLength(1);
    h.clock.advance(RELINK_AFTER_MS + 1);
    h.app.onLink = () => 'linked';
    await command('U0NEW');
    expect(h.app.links).toHaveLength(2);
    h.clock.advance(RELINK_AFTER_MS + 1);
    await command('U0NEW');
    expect(h.app.links).toHaveLength(2);
  });

  it('does still answer when Slack will not tell the email (scope missing), and never links bots', async () => {
    h.fake.answer('users.info', { error: 'missing_scope' });
    await command('U0NOSCOPE');
    h.fake.addUser({ id: 'U0BOTTY', email: 'bot@rapport.demo', isBot: true });
    await command('U0BOTTY');
    expect(h.app.links).toEqual([]);
    expect(h.app.dispatched.map((d) => d.userId)).toEqual(['U0NOSCOPE', 'U0BOTTY']);
  });
});
