-- CreateIndex
CREATE INDEX "Nudge_carriedBy_idx" ON "Nudge"("carriedBy");

