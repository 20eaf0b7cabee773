ALTER TABLE "polls" ADD COLUMN "ended_notified_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "polls_ending_idx" ON "polls" USING btree ("expires_at") WHERE "polls"."expires_at" is not null and "polls"."ended_notified_at" is null;--> statement-breakpoint
UPDATE "polls" SET "ended_notified_at" = "expires_at" WHERE "expires_at" <= now();