ALTER TABLE "conversations" ADD COLUMN "uri" text;--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_uri_uniq" ON "conversations" USING btree ("uri");