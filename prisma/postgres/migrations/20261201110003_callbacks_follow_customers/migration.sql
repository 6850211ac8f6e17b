-- Callbacks belong to their customer's book (hand-written: Prisma cannot express views or
-- triggers); PostgreSQL's counterpart of SQLite's migration 20261201110000_callbacks_follow_customers,
-- whose comments explain the rules.

-- Who may see a customer: its owner, the managers of the owner's team and every admin (bookScope()).
CREATE VIEW "CustomerViewer" AS
SELECT c.id AS "customerId", v.id AS "repId"
FROM "Customer" c JOIN "Rep" v
  ON v.role = 'admin'
  OR v.id = c."ownerId"
  OR (v.role = 'manager' AND v."teamId" IS NOT NULL AND v."teamId" = (SELECT o."teamId" FROM "Rep" o WHERE o.id = c."ownerId"));

-- A customer's new owner takes its open callbacks: the former owner's, and any whose owner may no longer see it.
CREATE FUNCTION "Customer_owner_moves_callbacks"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Callback" SET "ownerId" = NEW."ownerId"
  WHERE "customerId" = NEW.id AND "status" = 'open' AND "ownerId" <> NEW."ownerId"
    AND ("ownerId" IS NOT DISTINCT FROM OLD."ownerId"
      OR NOT EXISTS (SELECT 1 FROM "CustomerViewer" v WHERE v."customerId" = NEW.id AND v."repId" = "Callback"."ownerId"));
  RETURN NULL;
END
$$;

CREATE TRIGGER "Customer_owner_moves_callbacks" AFTER UPDATE OF "ownerId" ON "Customer"
  FOR EACH ROW WHEN (NEW."ownerId" IS NOT NULL AND NEW."ownerId" IS DISTINCT FROM OLD."ownerId")
  EXECUTE FUNCTION "Customer_owner_moves_callbacks"();

-- A rep who changes team or role: open callbacks whose owner may no longer see the customer go to the customer's owner.
CREATE FUNCTION "Rep_book_moves_callbacks"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Callback" SET "ownerId" = (SELECT c."ownerId" FROM "Customer" c WHERE c.id = "Callback"."customerId")
  WHERE "status" = 'open'
    AND ("ownerId" = NEW.id OR "customerId" IN (SELECT id FROM "Customer" WHERE "ownerId" = NEW.id))
    AND (SELECT c."ownerId" FROM "Customer" c WHERE c.id = "Callback"."customerId") IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM "CustomerViewer" v WHERE v."customerId" = "Callback"."customerId" AND v."repId" = "Callback"."ownerId");
  RETURN NULL;
END
$$;

CREATE TRIGGER "Rep_book_moves_callbacks" AFTER UPDATE OF "teamId", "role" ON "Rep"
  FOR EACH ROW WHEN (NEW."teamId" IS DISTINCT FROM OLD."teamId" OR NEW.role IS DISTINCT FROM OLD.role)
  EXECUTE FUNCTION "Rep_book_moves_callbacks"();
