DROP INDEX "follows_target_idx";--> statement-breakpoint
CREATE INDEX "follows_target_idx" ON "follows" USING btree ("target_account_id","id","account_id");