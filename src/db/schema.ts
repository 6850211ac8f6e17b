import type { DB } from './tables.js';

/**
 * Tables and views the migrations create by hand (Prisma cannot express them), the same on both
 * engines: the CJK name grams of customer search, the tag index and the CustomerViewer view (bookScope in SQL).
 */
export interface HandWrittenTables {
  CustomerNameGram: { gram: string; customerId: number };
  /** One row per tag of a customer, kept from Customer.tags by triggers; `tag` compares without regard to case (migration customer_knowledge). */
  CustomerTag: { tag: string; customerId: number };
  CustomerViewer: { customerId: number; repId: number };
}

/** Every table the stores may query: the generated ones (src/db/tables.ts) and the hand-written ones. */
export type Schema = DB & HandWrittenTables;
