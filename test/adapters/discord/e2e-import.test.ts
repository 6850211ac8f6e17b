import { afterEach, describe, expect, it } from 'vitest';
import { chatInput, type AttachmentValue } from '../../fakes/discord/interactions.js';
import { LI_NA, ZHANG_WEI } from '../../commands/helpers.js';
import { DISCORD_USERS, startDiscordBot, type DiscordBot } from './bot.js';
import { interact } from './helpers.js';


const MANAGER = { userId: DISCORD_USERS[LI_NA] };
const CUSTOMERS = 'external_id,name,email\nUP-1,Upload One,up1@example.com\nUP-2,Upload Two,not-an-email\nUP-3,上传三,up3@example.cn\n';

/** A file on the fake CDN, as the attachment option of a slash command. */
function attached(bot: DiscordBot, name: string, text: string, declaredSize = Buffer.byteLength(text)): AttachmentValue {
  const url = bot.fake.hostFile(name, Buffer.from(text));
  return { attachment: { filename: name, size: declaredSize, url, content_type: 'text/csv' } };
}

const customerCount = async (bot: DiscordBot, prefix: string) =>
  (await bot.db.kysely.selectFrom('Customer').select((eb) => eb.fn.countAll<number>().as('n')).where('externalId', 'like', `${prefix}%`).executeTakeFirstOrThrow()).n;

describe('/customer import by upload on Discord, against the real core', () => {
  let bot: DiscordBot;
  afterEach(async () => bot?.stop());

  it('does import an attached CSV, skipping the bad row, and send the rejects back as a file', async () => {
    bot = await startDiscordBot();
    const answered = await interact(bot.fake, chatInput('customer import', { kind: 'customers', file: attached(bot, 'new customers.csv', CUSTOMERS), 'on-error': 'skip' }, MANAGER));
    expect(answered.body.type).toBe(4);
    expect(answered.body.data.flags).toBe(64);
    expect(answered.body.data.content).toMatch(/新增 2/);
    expect(await customerCount(bot, 'UP-')).toBe(2);
    expect(answered.files, JSON.stringify(answered.body)).toHaveLength(1);
    expect(answered.files[0]!.name).toMatch(/rejects\.csv$/);
    expect(answered.files[0]!.bytes.toString('utf8')).toContain('UP-2');
  });

  it('does write nothing on a dry run and say what would happen', async () => {
    bot = await startDiscordBot();
    const answered = await interact(bot.fake, chatInput('customer import', { kind: 'customers', file: attached(bot, 'c.csv', CUSTOMERS), 'dry-run': true, 'on-error': 'skip' }, MANAGER));
    expect(answered.body.data.content).toBe('✅ 试运行 c.csv 的 customers 导入，未写入任何数据：将会新增 2，更新 0，未变 0，拒绝 1。');
    expect(await customerCount(bot, 'UP-')).toBe(0);
  });

  it('does refuse a rep before the file is downloaded at all', async () => {
    bot = await startDiscordBot();
    const file = attached(bot, 'c.csv', CUSTOMERS);
    const refused = await interact(bot.fake, chatInput('customer import', { kind: 'customers', file }, { userId: DISCORD_USERS[ZHANG_WEI] }));
    expect(refused.body.data.content).toMatch(/^⚠️ 只有经理可以使用 \/customer import/);
    expect(bot.fake.served(file.attachment.url)).toBe(0);
  });

  it('does say in one line when the download fails, or when more arrives than the limit', async () => {
    bot = await startDiscordBot({ uploadLimitBytes: 100 });
    const gone = attached(bot, 'gone.csv', CUSTOMERS, 10);
    gone.attachment.url = gone.attachment.url.replace('/attachments/', '/attachments/gone-');
    const failed = await interact(bot.fake, chatInput('customer import', { kind: 'customers', file: gone }, MANAGER));
    expect(failed.body.data.content).toBe('⚠️ I could not download gone.csv from Discord (HTTP 404). Please upload it again.');
    // Discord said 50 bytes; the reader stops once more than the limit has arrived.
    const understated = await interact(bot.fake, chatInput('customer import', { kind: 'customers', file: attached(bot, 'big.csv', CUSTOMERS.repeat(4), 50) }, MANAGER));
    expect(understated.body.data.content).toMatch(/^⚠️ big\.csv is 1 KB; chat takes files up to 1 KB\.$/);
    expect(await customerCount(bot, 'UP-')).toBe(0);
  });
});
