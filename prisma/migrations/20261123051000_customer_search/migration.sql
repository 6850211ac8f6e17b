-- Fuzzy customer name search without table scans (hand-written: Prisma cannot express these).
-- Names of 3+ characters: an FTS5 trigram index (substring match, typo candidates).
-- 1-2 character CJK queries (王芳, 芳), below the trigram minimum: every CJK character and
-- CJK character pair of a name, in a covering B-tree. Both are kept in step by triggers, so
-- imports and seeds that write Customer with raw SQL are indexed too.
CREATE VIRTUAL TABLE "CustomerNameTrigram" USING fts5(name, content='Customer', content_rowid='id', tokenize='trigram');

CREATE TABLE "CustomerNameGram" (
    "gram" TEXT NOT NULL,
    "customerId" INTEGER NOT NULL,
    PRIMARY KEY ("gram", "customerId")
) WITHOUT ROWID;

CREATE TRIGGER "Customer_search_insert" AFTER INSERT ON "Customer" BEGIN
  INSERT INTO "CustomerNameTrigram" (rowid, name) VALUES (new.id, new.name);
  INSERT OR IGNORE INTO "CustomerNameGram" (gram, customerId)
    SELECT gram, new.id FROM (SELECT substr(new.name, value, 1) AS gram FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]') WHERE value <= length(new.name) AND unicode(substr(new.name, value, 1)) BETWEEN 13312 AND 40959
    UNION SELECT substr(new.name, value, 2) FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]') WHERE value < length(new.name) AND unicode(substr(new.name, value, 1)) BETWEEN 13312 AND 40959 AND unicode(substr(new.name, value + 1, 1)) BETWEEN 13312 AND 40959);
END;

CREATE TRIGGER "Customer_search_delete" AFTER DELETE ON "Customer" BEGIN
  INSERT INTO "CustomerNameTrigram" ("CustomerNameTrigram", rowid, name) VALUES ('delete', old.id, old.name);
  DELETE FROM "CustomerNameGram" WHERE customerId = old.id AND gram IN (SELECT substr(old.name, value, 1) AS gram FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]') WHERE value <= length(old.name) AND unicode(substr(old.name, value, 1)) BETWEEN 13312 AND 40959
    UNION SELECT substr(old.name, value, 2) FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]') WHERE value < length(old.name) AND unicode(substr(old.name, value, 1)) BETWEEN 13312 AND 40959 AND unicode(substr(old.name, value + 1, 1)) BETWEEN 13312 AND 40959);
END;

CREATE TRIGGER "Customer_search_update" AFTER UPDATE OF name ON "Customer" BEGIN
  INSERT INTO "CustomerNameTrigram" ("CustomerNameTrigram", rowid, name) VALUES ('delete', old.id, old.name);
  INSERT INTO "CustomerNameTrigram" (rowid, name) VALUES (new.id, new.name);
  DELETE FROM "CustomerNameGram" WHERE customerId = old.id AND gram IN (SELECT substr(old.name, value, 1) AS gram FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]') WHERE value <= length(old.name) AND unicode(substr(old.name, value, 1)) BETWEEN 13312 AND 40959
    UNION SELECT substr(old.name, value, 2) FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]') WHERE value < length(old.name) AND unicode(substr(old.name, value, 1)) BETWEEN 13312 AND 40959 AND unicode(substr(old.name, value + 1, 1)) BETWEEN 13312 AND 40959);
  INSERT OR IGNORE INTO "CustomerNameGram" (gram, customerId)
    SELECT gram, new.id FROM (SELECT substr(new.name, value, 1) AS gram FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]') WHERE value <= length(new.name) AND unicode(substr(new.name, value, 1)) BETWEEN 13312 AND 40959
    UNION SELECT substr(new.name, value, 2) FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]') WHERE value < length(new.name) AND unicode(substr(new.name, value, 1)) BETWEEN 13312 AND 40959 AND unicode(substr(new.name, value + 1, 1)) BETWEEN 13312 AND 40959);
END;

-- Customers that existed before this migration.
INSERT INTO "CustomerNameTrigram" ("CustomerNameTrigram") VALUES ('rebuild');
INSERT OR IGNORE INTO "CustomerNameGram" (gram, customerId)
  SELECT substr(c.name, j.value, 1), c.id FROM "Customer" c, json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]') j
  WHERE j.value <= length(c.name) AND unicode(substr(c.name, j.value, 1)) BETWEEN 13312 AND 40959;
INSERT OR IGNORE INTO "CustomerNameGram" (gram, customerId)
  SELECT substr(c.name, j.value, 2), c.id FROM "Customer" c, json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]') j
  WHERE j.value < length(c.name) AND unicode(substr(c.name, j.value, 1)) BETWEEN 13312 AND 40959
    AND unicode(substr(c.name, j.value + 1, 1)) BETWEEN 13312 AND 40959;

-- A local number typed without its country code ("138 1234 5678") finds "+8613812345678"
-- through its last 8 digits.
CREATE INDEX "Customer_phone_tail_idx" ON "Customer" (substr("phone", -8));
