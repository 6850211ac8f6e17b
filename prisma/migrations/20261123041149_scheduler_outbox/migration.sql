-- AlterTable
ALTER TABLE "Callback" ADD COLUMN "dedupeKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Callback_dedupeKey_key" ON "Callback"("dedupeKey");

-- CreateIndex
CREATE INDEX "Nudge_kind_targetId_dueAt_idx" ON "Nudge"("kind", "targetId", "dueAt");

