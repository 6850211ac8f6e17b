import type { Services } from '../commands/ports.js';
import { createAuditTrail } from './audit-trail.js';
import { createBookTransfers } from './book-transfers.js';
import { createCareBook } from './care-book.js';
import { createCallbackBook } from './callback-book.js';
import { createCustomerDirectory } from './customer-directory.js';
import type { Database } from './database.js';
import { createIdentityDirectory } from './identity-directory.js';
import { createInviteBook } from './invite-book.js';
import { createTeamDirectory } from './team-directory.js';

/** The ports src/db implements over one database (the scheduler's ports come from src/scheduler). */
export type StorageServices = Pick<Services, 'identities' | 'customers' | 'callbacks' | 'teams' | 'audit' | 'invites' | 'care' | 'books'>;

export function createStorageServices(db: Database): StorageServices {
  return {
    identities: createIdentityDirectory(db.sqlite),
    customers: createCustomerDirectory(db.sqlite),
    callbacks: createCallbackBook(db.sqlite),
    teams: createTeamDirectory(db.sqlite),
    audit: createAuditTrail(db.sqlite),
    invites: createInviteBook(db.sqlite),
    care: createCareBook(db.sqlite),
    books: createBookTransfers(db.sqlite),
  };
}
