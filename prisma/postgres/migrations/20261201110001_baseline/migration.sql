-- CreateTable
CREATE TABLE "Team" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "slackChannelId" TEXT,
    "discordChannelId" TEXT,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "locale" TEXT NOT NULL DEFAULT 'en',
    "settings" TEXT NOT NULL DEFAULT '{}',
    "createdAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,

    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Rep" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'rep',
    "teamId" INTEGER,
    "slackUserId" TEXT,
    "discordUserId" TEXT,
    "locale" TEXT,
    "timeZone" TEXT,
    "preferredPlatform" TEXT,
    "lastPlatform" TEXT,
    "agendaHour" INTEGER NOT NULL DEFAULT 9,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,
    "updatedAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,

    CONSTRAINT "Rep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Customer" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "phone" TEXT,
    "birthdayMonth" INTEGER,
    "birthdayDay" INTEGER,
    "birthdayYear" INTEGER,
    "timeZone" TEXT,
    "region" TEXT,
    "tags" TEXT NOT NULL DEFAULT '',
    "ownerId" INTEGER,
    "greetingOptOut" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'none',
    "statusChangedAt" BIGINT,
    "lastTouchAt" BIGINT,
    "checkInDueAt" BIGINT,
    "createdAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,
    "updatedAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Order" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT,
    "customerId" INTEGER NOT NULL,
    "orderedAt" BIGINT NOT NULL,
    "amountMinor" BIGINT NOT NULL,
    "marginMinor" BIGINT,
    "product" TEXT,
    "category" TEXT,
    "importRunId" INTEGER,
    "createdAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,
    "refundOf" TEXT,
    "occurrence" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Interaction" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "repId" INTEGER,
    "kind" TEXT NOT NULL,
    "at" BIGINT NOT NULL,
    "text" TEXT NOT NULL DEFAULT '',
    "satisfaction" INTEGER,
    "importRunId" INTEGER,
    "createdAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,

    CONSTRAINT "Interaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Callback" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "ownerId" INTEGER NOT NULL,
    "dueAt" BIGINT NOT NULL,
    "timed" BOOLEAN NOT NULL DEFAULT true,
    "note" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'open',
    "source" TEXT NOT NULL DEFAULT 'manual',
    "dedupeKey" TEXT,
    "createdAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,
    "completedAt" BIGINT,

    CONSTRAINT "Callback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Nudge" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "dueAt" BIGINT NOT NULL,
    "targetKind" TEXT NOT NULL,
    "targetId" INTEGER NOT NULL,
    "customerId" INTEGER,
    "payload" TEXT NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" BIGINT,
    "claimedAt" BIGINT,
    "claimedBy" TEXT,
    "sentAt" BIGINT,
    "late" BOOLEAN NOT NULL DEFAULT false,
    "messagePlatform" TEXT,
    "messageChannel" TEXT,
    "messageId" TEXT,
    "createdAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,

    CONSTRAINT "Nudge_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScoreSnapshot" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "week" TEXT NOT NULL,
    "computedAt" BIGINT NOT NULL,
    "asOf" BIGINT NOT NULL,
    "recencyDays" INTEGER,
    "frequency" INTEGER NOT NULL,
    "monetaryMinor" BIGINT NOT NULL,
    "marginMinor" BIGINT,
    "lifetimeMinor" BIGINT NOT NULL,
    "orderCount" INTEGER NOT NULL,
    "lastOrderAt" BIGINT,
    "rScore" INTEGER,
    "fScore" INTEGER,
    "mScore" INTEGER,
    "tier" TEXT NOT NULL,
    "valueBand" TEXT NOT NULL,
    "longTail" TEXT NOT NULL DEFAULT 'neither',
    "lifecycle" TEXT NOT NULL,
    "pAlive" DOUBLE PRECISION,
    "expected30" DOUBLE PRECISION,
    "expected90" DOUBLE PRECISION,
    "expectedAovMinor" BIGINT,
    "clv12Minor" BIGINT,
    "churnRisk" DOUBLE PRECISION,
    "churnReason" TEXT NOT NULL DEFAULT '{}',

    CONSTRAINT "ScoreSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WinbackEpisode" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "episode" INTEGER NOT NULL,
    "startedAt" BIGINT NOT NULL,
    "deadline" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "closedAt" BIGINT,

    CONSTRAINT "WinbackEpisode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImportRun" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'running',
    "inserted" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "startedAt" BIGINT NOT NULL DEFAULT (floor(extract(epoch from now()) * 1000))::bigint,
    "finishedAt" BIGINT,
    "undoneAt" BIGINT,

    CONSTRAINT "ImportRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImportChange" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "before" TEXT,

    CONSTRAINT "ImportChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" SERIAL NOT NULL,
    "at" BIGINT NOT NULL,
    "repId" INTEGER,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL DEFAULT '',
    "detail" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AppState" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "AppState_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "JobRun" (
    "id" SERIAL NOT NULL,
    "job" TEXT NOT NULL,
    "runKey" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "owner" TEXT NOT NULL,
    "startedAt" BIGINT NOT NULL,
    "leaseUntil" BIGINT NOT NULL,
    "finishedAt" BIGINT,
    "error" TEXT,

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Team_name_key" ON "Team"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Rep_email_key" ON "Rep"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Rep_slackUserId_key" ON "Rep"("slackUserId");

-- CreateIndex
CREATE UNIQUE INDEX "Rep_discordUserId_key" ON "Rep"("discordUserId");

-- CreateIndex
CREATE INDEX "Rep_teamId_idx" ON "Rep"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_externalId_key" ON "Customer"("externalId");

-- CreateIndex
CREATE INDEX "Customer_name_idx" ON "Customer"("name");

-- CreateIndex
CREATE INDEX "Customer_email_idx" ON "Customer"("email");

-- CreateIndex
CREATE INDEX "Customer_phone_idx" ON "Customer"("phone");

-- CreateIndex
CREATE INDEX "Customer_birthdayMonth_birthdayDay_idx" ON "Customer"("birthdayMonth", "birthdayDay");

-- CreateIndex
CREATE INDEX "Customer_ownerId_checkInDueAt_idx" ON "Customer"("ownerId", "checkInDueAt");

-- CreateIndex
CREATE UNIQUE INDEX "Order_externalId_key" ON "Order"("externalId");

-- CreateIndex
CREATE INDEX "Order_customerId_orderedAt_idx" ON "Order"("customerId", "orderedAt");

-- CreateIndex
CREATE INDEX "Order_orderedAt_idx" ON "Order"("orderedAt");

-- CreateIndex
CREATE INDEX "Interaction_customerId_at_idx" ON "Interaction"("customerId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "Callback_dedupeKey_key" ON "Callback"("dedupeKey");

-- CreateIndex
CREATE INDEX "Callback_ownerId_status_dueAt_idx" ON "Callback"("ownerId", "status", "dueAt");

-- CreateIndex
CREATE INDEX "Callback_customerId_status_idx" ON "Callback"("customerId", "status");

-- CreateIndex
CREATE INDEX "Callback_status_dueAt_idx" ON "Callback"("status", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "Nudge_dedupeKey_key" ON "Nudge"("dedupeKey");

-- CreateIndex
CREATE INDEX "Nudge_status_nextAttemptAt_idx" ON "Nudge"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Nudge_status_dueAt_idx" ON "Nudge"("status", "dueAt");

-- CreateIndex
CREATE INDEX "Nudge_kind_targetId_dueAt_idx" ON "Nudge"("kind", "targetId", "dueAt");

-- CreateIndex
CREATE INDEX "ScoreSnapshot_week_tier_idx" ON "ScoreSnapshot"("week", "tier");

-- CreateIndex
CREATE INDEX "ScoreSnapshot_week_lifecycle_idx" ON "ScoreSnapshot"("week", "lifecycle");

-- CreateIndex
CREATE UNIQUE INDEX "ScoreSnapshot_customerId_week_key" ON "ScoreSnapshot"("customerId", "week");

-- CreateIndex
CREATE INDEX "WinbackEpisode_status_deadline_idx" ON "WinbackEpisode"("status", "deadline");

-- CreateIndex
CREATE UNIQUE INDEX "WinbackEpisode_customerId_episode_key" ON "WinbackEpisode"("customerId", "episode");

-- CreateIndex
CREATE INDEX "ImportRun_contentHash_idx" ON "ImportRun"("contentHash");

-- CreateIndex
CREATE INDEX "ImportChange_runId_idx" ON "ImportChange"("runId");

-- CreateIndex
CREATE INDEX "AuditLog_at_idx" ON "AuditLog"("at");

-- CreateIndex
CREATE INDEX "JobRun_job_startedAt_idx" ON "JobRun"("job", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "JobRun_job_runKey_key" ON "JobRun"("job", "runKey");

-- AddForeignKey
ALTER TABLE "Rep" ADD CONSTRAINT "Rep_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Rep"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Interaction" ADD CONSTRAINT "Interaction_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Interaction" ADD CONSTRAINT "Interaction_repId_fkey" FOREIGN KEY ("repId") REFERENCES "Rep"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Callback" ADD CONSTRAINT "Callback_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Callback" ADD CONSTRAINT "Callback_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Rep"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScoreSnapshot" ADD CONSTRAINT "ScoreSnapshot_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WinbackEpisode" ADD CONSTRAINT "WinbackEpisode_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

