-- Fuzzy customer name search without table scans (hand-written: Prisma cannot express these);
-- PostgreSQL's counterpart of SQLite's migration 20261123051000_customer_search.
-- Names of 3+ characters: a pg_trgm GIN index on the name (substring match with ILIKE,
-- similarity for typo candidates), where SQLite has its FTS5 trigram table.
-- 1-2 character CJK queries (王芳, 芳), below the trigram minimum: the same CustomerNameGram
-- table as on SQLite (every CJK character and CJK character pair among a name's first 32
-- characters, CJK meaning U+3400..U+9FFF), kept in step by a trigger.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX "Customer_name_trgm_idx" ON "Customer" USING gin ("name" gin_trgm_ops);

CREATE TABLE "CustomerNameGram" (
    "gram" TEXT NOT NULL,
    "customerId" INTEGER NOT NULL,
    CONSTRAINT "CustomerNameGram_pkey" PRIMARY KEY ("gram", "customerId")
);

CREATE FUNCTION "customer_name_grams"(name TEXT) RETURNS SETOF TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT substr(name, i, 1) FROM generate_series(1, least(length(name), 32)) AS i
  WHERE ascii(substr(name, i, 1)) BETWEEN 13312 AND 40959
  UNION
  SELECT substr(name, i, 2) FROM generate_series(1, least(length(name) - 1, 32)) AS i
  WHERE ascii(substr(name, i, 1)) BETWEEN 13312 AND 40959 AND ascii(substr(name, i + 1, 1)) BETWEEN 13312 AND 40959
$$;

CREATE FUNCTION "Customer_search_grams"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM "CustomerNameGram" WHERE "customerId" = OLD.id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "CustomerNameGram" ("gram", "customerId") SELECT g, NEW.id FROM "customer_name_grams"(NEW.name) AS g
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Customer_search_insert" AFTER INSERT ON "Customer"
  FOR EACH ROW EXECUTE FUNCTION "Customer_search_grams"();
CREATE TRIGGER "Customer_search_update" AFTER UPDATE OF "name" ON "Customer"
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION "Customer_search_grams"();
CREATE TRIGGER "Customer_search_delete" AFTER DELETE ON "Customer"
  FOR EACH ROW EXECUTE FUNCTION "Customer_search_grams"();

-- A local number typed without its country code ("138 1234 5678") finds "+8613812345678"
-- through its last 8 digits (SQLite: substr("phone", -8)).
CREATE INDEX "Customer_phone_tail_idx" ON "Customer" (right("phone", 8));
