-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "referredById" INTEGER;

-- AlterTable
ALTER TABLE "Nudge" ADD COLUMN     "carriedBy" INTEGER;

-- AlterTable
ALTER TABLE "WinbackEpisode" ADD COLUMN     "extensions" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "reason" TEXT;

-- CreateTable
CREATE TABLE "Workspace" (
    "id" SERIAL NOT NULL,
    "teamId" INTEGER NOT NULL,
    "platform" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "createdAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,

    CONSTRAINT "Workspace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InviteCode" (
    "id" SERIAL NOT NULL,
    "codeHash" TEXT NOT NULL,
    "repId" INTEGER NOT NULL,
    "createdBy" INTEGER,
    "createdAt" BIGINT NOT NULL,
    "expiresAt" BIGINT NOT NULL,
    "usedAt" BIGINT,
    "usedPlatform" TEXT,
    "usedUserId" TEXT,

    CONSTRAINT "InviteCode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ClaimAttempt" (
    "id" SERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "at" BIGINT NOT NULL,

    CONSTRAINT "ClaimAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Ticket" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "ownerId" INTEGER,
    "interactionId" INTEGER,
    "text" TEXT NOT NULL DEFAULT '',
    "tier" TEXT NOT NULL,
    "openedAt" BIGINT NOT NULL,
    "deadline" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "resolvedAt" BIGINT,
    "resolvedById" INTEGER,
    "resolution" TEXT,
    "createdAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,

    CONSTRAINT "Ticket_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Workspace_platform_workspaceId_teamId_key" ON "Workspace"("platform", "workspaceId", "teamId");

-- CreateIndex
CREATE UNIQUE INDEX "InviteCode_codeHash_key" ON "InviteCode"("codeHash");

-- CreateIndex
CREATE INDEX "InviteCode_repId_idx" ON "InviteCode"("repId");

-- CreateIndex
CREATE INDEX "ClaimAttempt_platform_userId_at_idx" ON "ClaimAttempt"("platform", "userId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "Ticket_interactionId_key" ON "Ticket"("interactionId");

-- CreateIndex
CREATE INDEX "Ticket_status_deadline_idx" ON "Ticket"("status", "deadline");

-- CreateIndex
CREATE INDEX "Ticket_customerId_status_idx" ON "Ticket"("customerId", "status");

-- CreateIndex
CREATE INDEX "Ticket_ownerId_status_idx" ON "Ticket"("ownerId", "status");

-- CreateIndex
CREATE INDEX "Ticket_openedAt_idx" ON "Ticket"("openedAt");

-- CreateIndex
CREATE INDEX "Customer_referredById_idx" ON "Customer"("referredById");

-- CreateIndex
CREATE INDEX "Interaction_at_idx" ON "Interaction"("at");

-- AddForeignKey
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InviteCode" ADD CONSTRAINT "InviteCode_repId_fkey" FOREIGN KEY ("repId") REFERENCES "Rep"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_referredById_fkey" FOREIGN KEY ("referredById") REFERENCES "Customer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Rep"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_interactionId_fkey" FOREIGN KEY ("interactionId") REFERENCES "Interaction"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Hand-written: PostgreSQL's counterparts of the triggers of SQLite's migration
-- 20261201120921_care_workflows, whose comments explain the rules.

-- Tickets follow their customer as callbacks do: a new owner takes the open tickets.
CREATE FUNCTION "Customer_owner_moves_tickets"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Ticket" SET "ownerId" = NEW."ownerId"
  WHERE "customerId" = NEW.id AND "status" = 'open' AND "ownerId" IS DISTINCT FROM NEW."ownerId";
  RETURN NULL;
END
$$;

CREATE TRIGGER "Customer_owner_moves_tickets" AFTER UPDATE OF "ownerId" ON "Customer"
  FOR EACH ROW WHEN (NEW."ownerId" IS NOT NULL AND NEW."ownerId" IS DISTINCT FROM OLD."ownerId")
  EXECUTE FUNCTION "Customer_owner_moves_tickets"();

-- Holiday greetings planned for the former owner's agenda go to the new owner's.
CREATE FUNCTION "Customer_owner_moves_greetings"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Nudge" SET "targetId" = NEW."ownerId"
  WHERE "kind" = 'holiday' AND "targetKind" = 'rep' AND "targetId" = OLD."ownerId" AND "status" = 'pending' AND "customerId" = NEW.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Customer_owner_moves_greetings" AFTER UPDATE OF "ownerId" ON "Customer"
  FOR EACH ROW WHEN (NEW."ownerId" IS NOT NULL AND OLD."ownerId" IS NOT NULL AND NEW."ownerId" IS DISTINCT FROM OLD."ownerId")
  EXECUTE FUNCTION "Customer_owner_moves_greetings"();
