-- search_document gains one lexeme naming the week of the status's id ('week ' || milliseconds of the flake id / 7
-- days), so that status search asks the GIN index for `word & week` and reads only one window's matches, newest
-- first, instead of every match of the word or a walk along the primary key. The lexeme holds a space, which the
-- text parser never puts in a lexeme, so no status text produces it and no search words match it.
-- Changing a generated column's expression rewrites the table (and PostgreSQL 15 cannot alter it in place).
DROP INDEX "statuses_search_document_idx";--> statement-breakpoint
ALTER TABLE "statuses" DROP COLUMN "search_document", ADD COLUMN "search_document" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "spoiler_text" || ' ' || regexp_replace("content", '<[^>]*>', ' ', 'g')) || array_to_tsvector(ARRAY['week ' || ((('x' || left(replace("id"::text, '-', ''), 16))::bit(64)::bigint) / 604800000)::text])) STORED;--> statement-breakpoint
CREATE INDEX "statuses_search_document_idx" ON "statuses" USING gin ("search_document");
--> statement-breakpoint
-- The new column has no statistics until it is analyzed (a rewrite does not count as changes for autovacuum), and
-- without them the planner guesses how common every word and week is.
ANALYZE "statuses" ("search_document");
