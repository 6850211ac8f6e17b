-- Refunds may name the order they refund; identical rows without an order id stay separate
-- orders, numbered by occurrence. Appended columns: ALTER TABLE keeps this instant on large
-- tables, where the generated table rebuild would copy every order (same resulting schema).
ALTER TABLE "Order" ADD COLUMN "refundOf" TEXT;
ALTER TABLE "Order" ADD COLUMN "occurrence" INTEGER NOT NULL DEFAULT 1;
