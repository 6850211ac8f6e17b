import type { BackgroundJobs } from '../background/background-jobs.js';
import type { Services } from '../commands/ports.js';
import { createAuditTrail } from './audit-trail.js';
import { createBookTransfers } from './book-transfers.js';
import { createCareBook } from './care-book.js';
import { createCallbackBook } from './callback-book.js';
import { createCustomerDirectory } from './customer-directory.js';
import { createIdentityDirectory } from './identity-directory.js';
import { createInviteBook } from './invite-book.js';
import type { StoreDatabase } from './store-database.js';
import { createTeamDirectory } from './team-directory.js';

/** The ports src/db implements over one database (the scheduler's ports come from src/scheduler). */
export type StorageServices = Pick<Services, 'identities' | 'customers' | 'callbacks' | 'teams' | 'audit' | 'invites' | 'care' | 'books'>;

/** `background` runs what may take long (a team's check-ins after a cadence change): the bot's worker thread, or in-process for tools and tests. */
export function createStorageServices(db: StoreDatabase, background: BackgroundJobs): StorageServices {
  const identities = createIdentityDirectory(db);
  return {
    identities,
    customers: createCustomerDirectory(db),
    callbacks: createCallbackBook(db),
    teams: createTeamDirectory(db, background),
    audit: createAuditTrail(db),
    invites: createInviteBook(db),
    care: createCareBook(db),
    books: createBookTransfers(db, identities),
  };
}
