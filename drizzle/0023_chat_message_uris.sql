ALTER TABLE "chat_messages" ADD COLUMN "uri" text;--> statement-breakpoint
CREATE UNIQUE INDEX "chat_messages_uri_uniq" ON "chat_messages" USING btree ("uri");