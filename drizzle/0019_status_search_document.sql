DROP INDEX "statuses_search_idx";--> statement-breakpoint
ALTER TABLE "statuses" ADD COLUMN "search_document" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "spoiler_text" || ' ' || regexp_replace("content", '<[^>]*>', ' ', 'g'))) STORED;--> statement-breakpoint
CREATE INDEX "statuses_search_document_idx" ON "statuses" USING gin ("search_document");
