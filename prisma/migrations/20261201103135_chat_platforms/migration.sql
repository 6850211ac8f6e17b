-- AlterTable
ALTER TABLE "Rep" ADD COLUMN "lastPlatform" TEXT;
ALTER TABLE "Rep" ADD COLUMN "preferredPlatform" TEXT;

-- AlterTable
ALTER TABLE "Nudge" ADD COLUMN "messageChannel" TEXT;
ALTER TABLE "Nudge" ADD COLUMN "messageId" TEXT;
ALTER TABLE "Nudge" ADD COLUMN "messagePlatform" TEXT;

