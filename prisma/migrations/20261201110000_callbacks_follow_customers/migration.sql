-- Callbacks belong to their customer's book (hand-written: Prisma cannot express views or triggers).

-- Who may see a customer: its owner, the managers of the owner's team and every admin. The same
-- rule as bookScope() in src/domain/actor.ts; test/db/callbacks-follow-customers.test.ts checks
-- that the two agree. Queried by (customerId, repId), it reads two rows by their primary keys.
CREATE VIEW "CustomerViewer" AS
SELECT c.id AS customerId, v.id AS repId
FROM "Customer" c JOIN "Rep" v
  ON v.role = 'admin'
  OR v.id = c.ownerId
  OR (v.role = 'manager' AND v.teamId IS NOT NULL AND v.teamId = (SELECT o.teamId FROM "Rep" o WHERE o.id = c.ownerId));

-- When a customer changes owner (import, import undo, /customer assign, any later writer), its
-- open callbacks move to the new owner: the former owner's, and any whose owner may no longer
-- see the customer. A customer left without an owner keeps its callbacks where they are: the
-- former owner no longer sees them (callbacks are read through the customer's book), admins
-- do, and the next owner gets them.
CREATE TRIGGER "Customer_owner_moves_callbacks" AFTER UPDATE OF "ownerId" ON "Customer"
WHEN new.ownerId IS NOT NULL AND new.ownerId IS NOT old.ownerId
BEGIN
  UPDATE "Callback" SET "ownerId" = new.ownerId
  WHERE "customerId" = new.id AND "status" = 'open' AND "ownerId" <> new.ownerId
    AND ("ownerId" IS old.ownerId
      OR NOT EXISTS (SELECT 1 FROM "CustomerViewer" v WHERE v.customerId = new.id AND v.repId = "Callback"."ownerId"));
END;

-- A rep who changes team or role changes whose customers they, and their managers, may see:
-- open callbacks whose owner may no longer see the customer go to the customer's owner.
CREATE TRIGGER "Rep_book_moves_callbacks" AFTER UPDATE OF "teamId", "role" ON "Rep"
WHEN new.teamId IS NOT old.teamId OR new.role IS NOT old.role
BEGIN
  UPDATE "Callback" SET "ownerId" = (SELECT c.ownerId FROM "Customer" c WHERE c.id = "Callback"."customerId")
  WHERE "status" = 'open'
    AND ("ownerId" = new.id OR "customerId" IN (SELECT id FROM "Customer" WHERE "ownerId" = new.id))
    AND (SELECT c.ownerId FROM "Customer" c WHERE c.id = "Callback"."customerId") IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM "CustomerViewer" v WHERE v.customerId = "Callback"."customerId" AND v.repId = "Callback"."ownerId");
END;

-- Databases from before: imports changed owners without moving callbacks, so open callbacks may
-- still point at a former owner who no longer sees the customer. They go to the customer's owner.
UPDATE "Callback" SET "ownerId" = (SELECT c.ownerId FROM "Customer" c WHERE c.id = "Callback"."customerId")
WHERE "status" = 'open'
  AND (SELECT c.ownerId FROM "Customer" c WHERE c.id = "Callback"."customerId") IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "CustomerViewer" v WHERE v.customerId = "Callback"."customerId" AND v.repId = "Callback"."ownerId");
