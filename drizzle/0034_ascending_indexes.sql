-- Every index in ascending order, so that `order by ... desc` reads it backwards instead of sorting (src/db/schema/index.ts).
DROP INDEX "moderation_log_id_idx";--> statement-breakpoint
DROP INDEX "user_backups_user_idx";--> statement-breakpoint
DROP INDEX "endorsements_account_idx";--> statement-breakpoint
DROP INDEX "bookmarks_account_idx";--> statement-breakpoint
DROP INDEX "bookmarks_folder_idx";--> statement-breakpoint
DROP INDEX "favourites_account_idx";--> statement-breakpoint
DROP INDEX "status_mentions_account_idx";--> statement-breakpoint
DROP INDEX "status_pins_account_idx";--> statement-breakpoint
DROP INDEX "status_tags_tag_idx";--> statement-breakpoint
DROP INDEX "statuses_account_idx";--> statement-breakpoint
DROP INDEX "statuses_public_timeline_idx";--> statement-breakpoint
DROP INDEX "statuses_local_idx";--> statement-breakpoint
DROP INDEX "notification_requests_account_idx";--> statement-breakpoint
DROP INDEX "notifications_account_seq_idx";--> statement-breakpoint
DROP INDEX "notifications_group_idx";--> statement-breakpoint
DROP INDEX "notifications_account_idx";--> statement-breakpoint
DROP INDEX "conversation_participations_account_idx";--> statement-breakpoint
DROP INDEX "media_attachments_account_idx";--> statement-breakpoint
DROP INDEX "scrobbles_account_idx";--> statement-breakpoint
DROP INDEX "reports_state_idx";--> statement-breakpoint
DROP INDEX "reports_account_idx";--> statement-breakpoint
DROP INDEX "home_feed_entries_pk";--> statement-breakpoint
DROP INDEX "scheduled_statuses_account_idx";--> statement-breakpoint
DROP INDEX "moderation_log_actor_idx";--> statement-breakpoint
DROP INDEX "trends_rank_idx";--> statement-breakpoint
DROP INDEX "chat_messages_pair_idx";--> statement-breakpoint
DROP INDEX "chats_account_updated_idx";--> statement-breakpoint
CREATE INDEX "user_backups_user_idx" ON "user_backups" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "endorsements_account_idx" ON "endorsements" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "bookmarks_account_idx" ON "bookmarks" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "bookmarks_folder_idx" ON "bookmarks" USING btree ("folder_id","id");--> statement-breakpoint
CREATE INDEX "favourites_account_idx" ON "favourites" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "status_mentions_account_idx" ON "status_mentions" USING btree ("account_id","status_id");--> statement-breakpoint
CREATE INDEX "status_pins_account_idx" ON "status_pins" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "status_tags_tag_idx" ON "status_tags" USING btree ("tag_id","status_id");--> statement-breakpoint
CREATE INDEX "statuses_account_idx" ON "statuses" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "statuses_public_timeline_idx" ON "statuses" USING btree ("id") WHERE "statuses"."visibility" in ('public', 'local') and "statuses"."reblog_of_id" is null;--> statement-breakpoint
CREATE INDEX "statuses_local_idx" ON "statuses" USING btree ("id") WHERE "statuses"."local" and "statuses"."visibility" in ('public', 'local') and "statuses"."reblog_of_id" is null;--> statement-breakpoint
CREATE INDEX "notification_requests_account_idx" ON "notification_requests" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "notifications_account_seq_idx" ON "notifications" USING btree ("account_id","seq");--> statement-breakpoint
CREATE INDEX "notifications_group_idx" ON "notifications" USING btree ("account_id","group_key","seq") WHERE "notifications"."group_key" is not null;--> statement-breakpoint
CREATE INDEX "notifications_account_idx" ON "notifications" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "conversation_participations_account_idx" ON "conversation_participations" USING btree ("account_id","last_status_id") WHERE not "conversation_participations"."hidden";--> statement-breakpoint
CREATE INDEX "media_attachments_account_idx" ON "media_attachments" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "scrobbles_account_idx" ON "scrobbles" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "reports_state_idx" ON "reports" USING btree ("state","id");--> statement-breakpoint
CREATE INDEX "reports_account_idx" ON "reports" USING btree ("account_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "home_feed_entries_pk" ON "home_feed_entries" USING btree ("account_id","status_id");--> statement-breakpoint
CREATE INDEX "scheduled_statuses_account_idx" ON "scheduled_statuses" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "moderation_log_actor_idx" ON "moderation_log" USING btree ("actor_account_id","id");--> statement-breakpoint
CREATE INDEX "trends_rank_idx" ON "trends" USING btree ("kind","score") WHERE "trends"."score" > 0;--> statement-breakpoint
CREATE INDEX "chat_messages_pair_idx" ON "chat_messages" USING btree ("account_id","recipient_id","id");--> statement-breakpoint
CREATE INDEX "chats_account_updated_idx" ON "chats" USING btree ("account_id","updated_at","id");