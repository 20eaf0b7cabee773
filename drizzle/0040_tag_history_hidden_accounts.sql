-- An account suspended, deleted or reinstated changes which of its statuses count in its tags' histories: the kept
-- counts of the tags it used within the days a history shows are forgotten, and counted again when next read.
CREATE OR REPLACE FUNCTION rookery_tag_history_forget_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tag_history_days h USING (
    SELECT DISTINCT st.tag_id FROM statuses s JOIN status_tags st ON st.status_id = s.id
    WHERE s.account_id = NEW.id AND s.created_at >= now() - interval '8 days'
  ) used WHERE h.tag_id = used.tag_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER accounts_tag_history AFTER UPDATE OF suspended_at, deleted_at ON accounts FOR EACH ROW
  WHEN ((OLD.suspended_at IS NULL) IS DISTINCT FROM (NEW.suspended_at IS NULL) OR (OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.deleted_at IS NULL))
  EXECUTE FUNCTION rookery_tag_history_forget_account();
