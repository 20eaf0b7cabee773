DROP INDEX "home_feed_entries_author_idx";--> statement-breakpoint
ALTER TABLE "home_feed_entries" DROP COLUMN "author_id";