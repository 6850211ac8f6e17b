-- PostgreSQL's lookup and segment plans on a million customers (hand-written: Prisma cannot
-- express these; SQLite names its indexes in the queries instead).
-- Name matches in customer id order: a partial name that many customers hold ('%klei%' in 2%
-- of them) finds its first thousand soonest by walking customers in id order, and this index
-- walks them without reading the table (the pg_trgm index must recheck every match on the
-- table, tens of thousands of pages). The owner comes along for a team's or a rep's book.
CREATE INDEX "Customer_id_name_idx" ON "Customer" ("id") INCLUDE ("name", "ownerId");

-- Customers by name in id order, as SQLite's name index holds them (its entries end in the rowid):
-- an exact name that 1,500 customers share gives its first thousand, within a team too, and a
-- name prefix its first names in (name, id) order, from the index alone, without sorting them
-- or reading the table (75 ms -> 1 ms for a shared name in a team).
CREATE INDEX "Customer_name_id_idx" ON "Customer" ("name", "id") INCLUDE ("ownerId");

-- Which of the two the planner takes rests on how many names it expects to hold the text,
-- read off the column's most common values and histogram: with the default 100 a substring
-- of a common name could miss the sample (estimated 98 rows, found 23,437). 250 keeps the
-- estimate within a few percent and planning near a millisecond.
ALTER TABLE "Customer" ALTER COLUMN "name" SET STATISTICS 250;

-- A birthday range (`age 30-40`) filters on the whole date as one number; without statistics
-- on that expression the planner takes a range on it for 0.5% of the customers, sorts the
-- birth-year index's "few" rows (50,000 at a million) instead of walking the list's order.
CREATE STATISTICS "Customer_birthday_date_stats" ON (("birthdayYear" * 10000 + "birthdayMonth" * 100 + "birthdayDay")) FROM "Customer";

-- Both take effect at the table's next ANALYZE, which autovacuum would put off until a tenth of the
-- customers change.
ANALYZE "Customer";
