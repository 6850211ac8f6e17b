-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "reorderDueAt" DATETIME;

-- CreateTable
CREATE TABLE "SavedQuery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "repId" INTEGER NOT NULL,
    "command" TEXT NOT NULL,
    "options" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ScoreSnapshot" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" INTEGER NOT NULL,
    "week" TEXT NOT NULL,
    "computedAt" DATETIME NOT NULL,
    "asOf" DATETIME NOT NULL,
    "recencyDays" INTEGER,
    "frequency" INTEGER NOT NULL,
    "monetaryMinor" INTEGER NOT NULL,
    "marginMinor" INTEGER,
    "lifetimeMinor" INTEGER NOT NULL,
    "orderCount" INTEGER NOT NULL,
    "lastOrderAt" DATETIME,
    "rScore" INTEGER,
    "fScore" INTEGER,
    "mScore" INTEGER,
    "tier" TEXT NOT NULL,
    "valueBand" TEXT NOT NULL,
    "longTail" TEXT NOT NULL DEFAULT 'none',
    "lowMargin" BOOLEAN NOT NULL DEFAULT false,
    "lifecycle" TEXT NOT NULL,
    "pAlive" REAL,
    "expected30" REAL,
    "expected90" REAL,
    "expectedAovMinor" INTEGER,
    "clv12Minor" INTEGER,
    "churnRisk" REAL,
    "churnReason" TEXT NOT NULL DEFAULT '{}',
    "atStakeMinor" INTEGER NOT NULL DEFAULT 0,
    "reorderDueAt" DATETIME,
    "crossSell" TEXT,
    "crossSellFrom" TEXT,
    "crossSellLift" REAL,
    "categories" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "ScoreSnapshot_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ScoreSnapshot" ("asOf", "churnReason", "churnRisk", "clv12Minor", "computedAt", "customerId", "expected30", "expected90", "expectedAovMinor", "fScore", "frequency", "id", "lastOrderAt", "lifecycle", "lifetimeMinor", "longTail", "mScore", "marginMinor", "monetaryMinor", "orderCount", "pAlive", "rScore", "recencyDays", "tier", "valueBand", "week") SELECT "asOf", "churnReason", "churnRisk", "clv12Minor", "computedAt", "customerId", "expected30", "expected90", "expectedAovMinor", "fScore", "frequency", "id", "lastOrderAt", "lifecycle", "lifetimeMinor", "longTail", "mScore", "marginMinor", "monetaryMinor", "orderCount", "pAlive", "rScore", "recencyDays", "tier", "valueBand", "week" FROM "ScoreSnapshot";
DROP TABLE "ScoreSnapshot";
ALTER TABLE "new_ScoreSnapshot" RENAME TO "ScoreSnapshot";
CREATE INDEX "ScoreSnapshot_week_lifecycle_idx" ON "ScoreSnapshot"("week", "lifecycle");
CREATE INDEX "ScoreSnapshot_week_atStakeMinor_customerId_tier_lifecycle_longTail_lowMargin_idx" ON "ScoreSnapshot"("week", "atStakeMinor", "customerId", "tier", "lifecycle", "longTail", "lowMargin");
CREATE UNIQUE INDEX "ScoreSnapshot_customerId_week_key" ON "ScoreSnapshot"("customerId", "week");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "SavedQuery_repId_command_options_key" ON "SavedQuery"("repId", "command", "options");

-- CreateIndex
CREATE INDEX "Customer_reorderDueAt_idx" ON "Customer"("reorderDueAt");

-- CreateIndex
CREATE INDEX "Customer_birthdayYear_idx" ON "Customer"("birthdayYear");


-- Hand-written from here (Prisma cannot express these; regenerate the part above, keep this part).

-- Scores filed before this migration: the list's sort key, and long-tail classes under their new
-- names ('neither' held the middle of the base too; the next rescoring, which the new rules
-- version forces, files the current week by the new classes).
UPDATE "ScoreSnapshot" SET "atStakeMinor" = CAST(ROUND(COALESCE("clv12Minor", "lifetimeMinor") * COALESCE("churnRisk", 0)) AS INTEGER);
UPDATE "ScoreSnapshot" SET "longTail" = CASE "longTail" WHEN 'both' THEN 'head' WHEN 'neither' THEN 'none' ELSE "longTail" END;

-- Segments (/customer list region|tag …) match without regard to case, through indexes.
CREATE INDEX "Customer_region_nocase_idx" ON "Customer" ("region" COLLATE NOCASE);

-- One row per tag of a customer (Customer.tags split at its commas), kept in step by triggers
-- whatever writes the tags (import, undo, /customer tag, seeds). A tag a JSON array cannot hold
-- (a control character) is left out of the index rather than failing the write.
CREATE TABLE "CustomerTag" (
    "tag" TEXT NOT NULL COLLATE NOCASE,
    "customerId" INTEGER NOT NULL,
    PRIMARY KEY ("tag", "customerId")
) WITHOUT ROWID;

CREATE TRIGGER "Customer_tags_insert" AFTER INSERT ON "Customer" WHEN new.tags <> '' BEGIN
  INSERT OR IGNORE INTO "CustomerTag" (tag, customerId)
    SELECT value, new.id FROM json_each(CASE WHEN json_valid('["' || replace(replace(replace(new.tags, '\', '\\'), '"', '\"'), ',', '","') || '"]')
      THEN '["' || replace(replace(replace(new.tags, '\', '\\'), '"', '\"'), ',', '","') || '"]' ELSE '[]' END) WHERE value <> '';
END;

CREATE TRIGGER "Customer_tags_update" AFTER UPDATE OF tags ON "Customer" BEGIN
  DELETE FROM "CustomerTag" WHERE customerId = old.id AND tag IN (
    SELECT value FROM json_each(CASE WHEN json_valid('["' || replace(replace(replace(old.tags, '\', '\\'), '"', '\"'), ',', '","') || '"]')
      THEN '["' || replace(replace(replace(old.tags, '\', '\\'), '"', '\"'), ',', '","') || '"]' ELSE '[]' END));
  INSERT OR IGNORE INTO "CustomerTag" (tag, customerId)
    SELECT value, new.id FROM json_each(CASE WHEN json_valid('["' || replace(replace(replace(new.tags, '\', '\\'), '"', '\"'), ',', '","') || '"]')
      THEN '["' || replace(replace(replace(new.tags, '\', '\\'), '"', '\"'), ',', '","') || '"]' ELSE '[]' END) WHERE value <> '';
END;

CREATE TRIGGER "Customer_tags_delete" AFTER DELETE ON "Customer" WHEN old.tags <> '' BEGIN
  DELETE FROM "CustomerTag" WHERE customerId = old.id AND tag IN (
    SELECT value FROM json_each(CASE WHEN json_valid('["' || replace(replace(replace(old.tags, '\', '\\'), '"', '\"'), ',', '","') || '"]')
      THEN '["' || replace(replace(replace(old.tags, '\', '\\'), '"', '\"'), ',', '","') || '"]' ELSE '[]' END));
END;

-- Customers that existed before this migration.
INSERT OR IGNORE INTO "CustomerTag" (tag, customerId)
  SELECT j.value, c.id FROM "Customer" c, json_each(CASE WHEN json_valid('["' || replace(replace(replace(c.tags, '\', '\\'), '"', '\"'), ',', '","') || '"]')
    THEN '["' || replace(replace(replace(c.tags, '\', '\\'), '"', '\"'), ',', '","') || '"]' ELSE '[]' END) j
  WHERE c.tags <> '' AND j.value <> '';

-- Reorder reminders planned for the former owner go to the new owner's agenda, as holiday
-- greetings do (migration care_workflows): one trigger for the nudges the agenda carries.
DROP TRIGGER "Customer_owner_moves_greetings";
CREATE TRIGGER "Customer_owner_moves_carried_nudges" AFTER UPDATE OF "ownerId" ON "Customer"
WHEN new.ownerId IS NOT NULL AND old.ownerId IS NOT NULL AND new.ownerId IS NOT old.ownerId
BEGIN
  UPDATE "Nudge" SET "targetId" = new.ownerId
  WHERE "kind" IN ('holiday', 'reorder') AND "targetKind" = 'rep' AND "targetId" = old.ownerId AND "status" = 'pending' AND "customerId" = new.id;
END;
