DROP INDEX "statuses_reblog_of_idx";--> statement-breakpoint
DROP INDEX "statuses_public_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "statuses_reblog_uniq" ON "statuses" USING btree ("reblog_of_id","account_id") WHERE "statuses"."reblog_of_id" is not null;--> statement-breakpoint
CREATE INDEX "statuses_public_timeline_idx" ON "statuses" USING btree ("id" DESC NULLS LAST) WHERE "statuses"."visibility" in ('public', 'local') and "statuses"."reblog_of_id" is null;