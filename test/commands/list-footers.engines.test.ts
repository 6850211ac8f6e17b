import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, commandHarness, customerWhere, LIU_YANG, textOf, type AnyEngineHarness } from './helpers.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('list footers', (engine) => {
  let h: AnyEngineHarness;
  beforeAll(async () => {
    h = await commandHarness({ engine });
  });
  afterAll(async () => h.cleanup());

  describe('the page line under a list', () => {
    it('does count complaints as complaints, in each language', async () => {
      const customer = await customerWhere(h.db, LIU_YANG);
      await h.say(LIU_YANG, `/complaint ${customer.externalId} broken bottle`);
      expect(textOf(await h.say(ADMIN, '/complaints'))).toMatch(/\nPage 1 of 1 · 1 complaint\.$/);
      expect(textOf(await h.say(LIU_YANG, '/complaints'))).toMatch(/\n第 1 \/ 1 页 · 共 1 条投诉。$/);
      expect(textOf(await h.say(ADMIN, `/customer list rep @liu.yang tier A`))).toMatch(/\nPage 1 of \d+ · \d+ customers\.$/);
    });
  });
});
