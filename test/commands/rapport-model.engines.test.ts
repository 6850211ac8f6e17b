import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, commandHarness, LI_NA, textOf, ZHANG_WEI, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('/rapport model', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => {
    await h.cleanup();
  });

  describe('/rapport model', () => {
    it('does show an admin how the forecasts held up over the last 90 days, with the calibration chart', async () => {
      const reply = await h.say(ADMIN, '/rapport model');
      expect(reply.visibility).toBe('private');
      expect(reply.blocks.map((b) => b.type)).toEqual(['text', 'text', 'text', 'table', 'table', 'image']);
      const text = textOf(reply);
      expect(text).toContain('How well Rapport’s forecasts held up over the last 90 days');
      expect(text).toMatch(/Fitted on orders up to Aug 25, 2026; \d+ customers had bought by then\./);
      expect(text).toMatch(/Purchase model: (MBG\/NBD|BG\/NBD), /);
      const [forecast, scores] = reply.blocks.filter((b) => b.type === 'table');
      expect(forecast).toMatchObject({ columns: ['Customers', 'Count', 'Predicted', 'Actual'] });
      expect(forecast!.type === 'table' && forecast!.rows.map((r) => r[0])).toEqual(['all customers', 'bought once', 'tier A', 'tier B', 'tier C', 'tier D']);
      expect(scores!.type === 'table' && scores!.rows.map((r) => r[0])).toEqual(['churn risk as shown', 'model alone', '1 − P(alive)', 'buying rhythm alone']);
      const image = reply.blocks.at(-1)!;
      expect(image.type === 'image' && Buffer.from(image.png).subarray(1, 4).toString()).toBe('PNG');
    });

    it('does answer in the reader’s language and refuse everyone but admins', async () => {
      await h.say(ADMIN, '/rapport prefs language zh-CN');
      expect(textOf(await h.say(ADMIN, '/rapport model'))).toContain('最近 90 天 Rapport 预测的准确程度');
      await h.say(ADMIN, '/rapport prefs language team');
      for (const user of [LI_NA, ZHANG_WEI]) expect(textOf(await h.say(user, '/rapport model'))).toMatch(/admin|管理员/);
    });
  });
});
