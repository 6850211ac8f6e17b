-- Care workflows (issue 17): complaint tickets, referrals, win-back reasons and extensions,
-- greetings carried by the agenda. Written by hand from `prisma migrate diff` against main's
-- schema: Prisma would rebuild Customer and WinbackEpisode, and dropping Customer would drop the
-- search and callback triggers that hang on it; plain ADD COLUMNs change nothing else.

-- AlterTable
ALTER TABLE "Nudge" ADD COLUMN "carriedBy" INTEGER;
ALTER TABLE "Customer" ADD COLUMN "referredById" INTEGER REFERENCES "Customer" ("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "WinbackEpisode" ADD COLUMN "reason" TEXT;
ALTER TABLE "WinbackEpisode" ADD COLUMN "extensions" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "Ticket" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" INTEGER NOT NULL,
    "ownerId" INTEGER,
    "interactionId" INTEGER,
    "text" TEXT NOT NULL DEFAULT '',
    "tier" TEXT NOT NULL,
    "openedAt" DATETIME NOT NULL,
    "deadline" DATETIME NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "resolvedAt" DATETIME,
    "resolvedById" INTEGER,
    "resolution" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Ticket_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Ticket_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Rep" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Ticket_interactionId_fkey" FOREIGN KEY ("interactionId") REFERENCES "Interaction" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Customer_referredById_idx" ON "Customer"("referredById");
CREATE UNIQUE INDEX "Ticket_interactionId_key" ON "Ticket"("interactionId");
CREATE INDEX "Ticket_status_deadline_idx" ON "Ticket"("status", "deadline");
CREATE INDEX "Ticket_customerId_status_idx" ON "Ticket"("customerId", "status");
CREATE INDEX "Ticket_ownerId_status_idx" ON "Ticket"("ownerId", "status");
CREATE INDEX "Ticket_openedAt_idx" ON "Ticket"("openedAt");
CREATE INDEX "Interaction_at_idx" ON "Interaction"("at");

-- Tickets follow their customer as callbacks do (migration callbacks_follow_customers): whatever
-- changes a customer's owner (import, undo, assign, a rep's deactivation) hands its open tickets
-- to the new owner; a customer left without an owner keeps them where they are.
CREATE TRIGGER "Customer_owner_moves_tickets" AFTER UPDATE OF "ownerId" ON "Customer"
WHEN new.ownerId IS NOT NULL AND new.ownerId IS NOT old.ownerId
BEGIN
  UPDATE "Ticket" SET "ownerId" = new.ownerId WHERE "customerId" = new.id AND "status" = 'open' AND "ownerId" IS NOT new.ownerId;
END;

-- Holiday greetings planned for the former owner's agenda go to the new owner's (the per-customer
-- row is planned once, by its dedupe key; its reader is whoever owns the customer now).
CREATE TRIGGER "Customer_owner_moves_greetings" AFTER UPDATE OF "ownerId" ON "Customer"
WHEN new.ownerId IS NOT NULL AND old.ownerId IS NOT NULL AND new.ownerId IS NOT old.ownerId
BEGIN
  UPDATE "Nudge" SET "targetId" = new.ownerId
  WHERE "kind" = 'holiday' AND "targetKind" = 'rep' AND "targetId" = old.ownerId AND "status" = 'pending' AND "customerId" = new.id;
END;
