-- DropIndex
DROP INDEX "ScoreSnapshot_week_tier_idx";

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "reorderDueAt" BIGINT;

-- AlterTable
ALTER TABLE "ScoreSnapshot" ADD COLUMN     "atStakeMinor" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "categories" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "crossSell" TEXT,
ADD COLUMN     "crossSellFrom" TEXT,
ADD COLUMN     "crossSellLift" DOUBLE PRECISION,
ADD COLUMN     "lowMargin" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "reorderDueAt" BIGINT,
ALTER COLUMN "longTail" SET DEFAULT 'none';

-- CreateTable
CREATE TABLE "SavedQuery" (
    "id" SERIAL NOT NULL,
    "repId" INTEGER NOT NULL,
    "command" TEXT NOT NULL,
    "options" TEXT NOT NULL,
    "createdAt" BIGINT NOT NULL,

    CONSTRAINT "SavedQuery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SavedQuery_repId_command_options_key" ON "SavedQuery"("repId", "command", "options");

-- CreateIndex
CREATE INDEX "Customer_reorderDueAt_idx" ON "Customer"("reorderDueAt");

-- CreateIndex
CREATE INDEX "Customer_birthdayYear_idx" ON "Customer"("birthdayYear");

-- CreateIndex
CREATE INDEX "ScoreSnapshot_week_atStakeMinor_customerId_tier_lifecycle_l_idx" ON "ScoreSnapshot"("week", "atStakeMinor", "customerId", "tier", "lifecycle", "longTail", "lowMargin");



-- Hand-written: PostgreSQL's counterparts of the hand-written part of SQLite's migration
-- 20261201121032_customer_knowledge, whose comments explain the rules.

-- Scores filed before this migration. ROUND of numeric rounds halves away from zero, as SQLite's
-- ROUND does (ROUND of double precision would round them to even).
UPDATE "ScoreSnapshot" SET "atStakeMinor" = ROUND((COALESCE("clv12Minor", "lifetimeMinor") * COALESCE("churnRisk", 0))::numeric)::bigint;
UPDATE "ScoreSnapshot" SET "longTail" = CASE "longTail" WHEN 'both' THEN 'head' WHEN 'neither' THEN 'none' ELSE "longTail" END;

-- SQLite's NOCASE in PostgreSQL: a nondeterministic ICU collation, equal without regard to case.
-- It folds case beyond ASCII (É = é), where SQLite's NOCASE folds A-Z only.
CREATE COLLATION "nocase" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

-- Segments match regions through this index with `"region" = $1 COLLATE "nocase"`.
CREATE INDEX "Customer_region_nocase_idx" ON "Customer" ("region" COLLATE "nocase");

-- One row per tag of a customer. SQLite leaves out every tag of a customer whose tags hold a
-- control character (they make its JSON array invalid); so does PostgreSQL.
CREATE TABLE "CustomerTag" (
    "tag" TEXT NOT NULL COLLATE "nocase",
    "customerId" INTEGER NOT NULL,
    CONSTRAINT "CustomerTag_pkey" PRIMARY KEY ("tag", "customerId")
);

CREATE FUNCTION "Customer_tag_list"(tags TEXT) RETURNS SETOF TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT tag FROM unnest(string_to_array(tags, ',')) AS tag WHERE tag <> '' AND tags !~ '[\x01-\x1f]'
$$;

CREATE FUNCTION "Customer_tags_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "CustomerTag" ("tag", "customerId")
    SELECT tag, NEW.id FROM "Customer_tag_list"(NEW.tags) AS tag ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Customer_tags_insert" AFTER INSERT ON "Customer"
  FOR EACH ROW WHEN (NEW.tags <> '')
  EXECUTE FUNCTION "Customer_tags_insert"();

CREATE FUNCTION "Customer_tags_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "CustomerTag" WHERE "customerId" = OLD.id AND "tag" IN (SELECT "Customer_tag_list"(OLD.tags));
  INSERT INTO "CustomerTag" ("tag", "customerId")
    SELECT tag, NEW.id FROM "Customer_tag_list"(NEW.tags) AS tag ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Customer_tags_update" AFTER UPDATE OF tags ON "Customer"
  FOR EACH ROW
  EXECUTE FUNCTION "Customer_tags_update"();

CREATE FUNCTION "Customer_tags_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "CustomerTag" WHERE "customerId" = OLD.id AND "tag" IN (SELECT "Customer_tag_list"(OLD.tags));
  RETURN NULL;
END
$$;

CREATE TRIGGER "Customer_tags_delete" AFTER DELETE ON "Customer"
  FOR EACH ROW WHEN (OLD.tags <> '')
  EXECUTE FUNCTION "Customer_tags_delete"();

-- Customers that existed before this migration.
INSERT INTO "CustomerTag" ("tag", "customerId")
  SELECT tag, c.id FROM "Customer" c CROSS JOIN LATERAL "Customer_tag_list"(c.tags) AS tag
  WHERE c.tags <> '' ON CONFLICT DO NOTHING;

-- Reorder reminders follow the owner as holiday greetings do: one trigger for the nudges the agenda carries.
DROP TRIGGER "Customer_owner_moves_greetings" ON "Customer";
DROP FUNCTION "Customer_owner_moves_greetings"();

CREATE FUNCTION "Customer_owner_moves_carried_nudges"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Nudge" SET "targetId" = NEW."ownerId"
  WHERE "kind" IN ('holiday', 'reorder') AND "targetKind" = 'rep' AND "targetId" = OLD."ownerId" AND "status" = 'pending' AND "customerId" = NEW.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Customer_owner_moves_carried_nudges" AFTER UPDATE OF "ownerId" ON "Customer"
  FOR EACH ROW WHEN (NEW."ownerId" IS NOT NULL AND OLD."ownerId" IS NOT NULL AND NEW."ownerId" IS DISTINCT FROM OLD."ownerId")
  EXECUTE FUNCTION "Customer_owner_moves_carried_nudges"();
