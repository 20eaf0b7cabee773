ALTER TABLE "home_feed_entries" DROP CONSTRAINT "home_feed_entries_account_id_accounts_id_fk";
--> statement-breakpoint
ALTER TABLE "home_feed_entries" DROP CONSTRAINT "home_feed_entries_status_id_statuses_id_fk";
--> statement-breakpoint
-- What the foreign keys' cascades did, once per statement: a deleted status leaves every home feed, a deleted account's
-- feed goes with it (its statuses leave the others' feeds through the first trigger, by their own cascade).
CREATE OR REPLACE FUNCTION rookery_home_feed_forget_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM home_feed_entries e USING gone WHERE e.status_id = gone.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER statuses_leave_home_feeds AFTER DELETE ON statuses REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_home_feed_forget_statuses();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION rookery_home_feed_forget_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM home_feed_entries e USING gone WHERE e.account_id = gone.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER accounts_leave_home_feeds AFTER DELETE ON accounts REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_home_feed_forget_accounts();
