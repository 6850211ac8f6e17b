-- DropIndex
DROP INDEX "Customer_ownerId_idx";

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "checkInDueAt" DATETIME;
ALTER TABLE "Customer" ADD COLUMN "lastTouchAt" DATETIME;

-- CreateIndex
CREATE INDEX "Customer_ownerId_checkInDueAt_idx" ON "Customer"("ownerId", "checkInDueAt");

