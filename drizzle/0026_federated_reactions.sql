ALTER TABLE "status_reactions" ADD COLUMN "uri" text;--> statement-breakpoint
CREATE INDEX "status_reactions_uri_idx" ON "status_reactions" USING btree ("uri");