ALTER TABLE "statuses" ADD COLUMN "render_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- A status's render_version changes, in the same transaction, with anything the render cache keeps about it: its
-- mentions (and the mentioned accounts' names and links), tags, media, whether it has a poll, its card, its
-- application, and its own content. Each process's cache keeps those parts under the version it read, and a page
-- that reads the status row uses them only while the version is the same.
CREATE OR REPLACE FUNCTION rookery_status_render_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.content IS DISTINCT FROM OLD.content OR NEW.spoiler_text IS DISTINCT FROM OLD.spoiler_text
    OR NEW.application_id IS DISTINCT FROM OLD.application_id OR NEW.edited_at IS DISTINCT FROM OLD.edited_at
    OR NEW.account_id IS DISTINCT FROM OLD.account_id THEN
    NEW.render_version := OLD.render_version + 1;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER statuses_render_changed BEFORE UPDATE OF content, spoiler_text, application_id, edited_at, account_id ON statuses
  FOR EACH ROW EXECUTE FUNCTION rookery_status_render_changed();
--> statement-breakpoint
-- Rows that belong to a status by their status_id column: once per statement, whatever the rows it wrote (a post's
-- tags or mentions are one insert), through the statement's transition tables.
CREATE OR REPLACE FUNCTION rookery_status_parts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE statuses SET render_version = render_version + 1 WHERE id IN (SELECT status_id FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE statuses SET render_version = render_version + 1 WHERE id IN (SELECT status_id FROM old_rows);
  ELSE
    UPDATE statuses SET render_version = render_version + 1
      WHERE id IN (SELECT status_id FROM old_rows UNION SELECT status_id FROM new_rows);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER media_attachments_render_inserted AFTER INSERT ON media_attachments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER media_attachments_render_updated AFTER UPDATE ON media_attachments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER media_attachments_render_deleted AFTER DELETE ON media_attachments REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER status_mentions_render_inserted AFTER INSERT ON status_mentions REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER status_mentions_render_updated AFTER UPDATE ON status_mentions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER status_mentions_render_deleted AFTER DELETE ON status_mentions REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER status_tags_render_inserted AFTER INSERT ON status_tags REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER status_tags_render_updated AFTER UPDATE ON status_tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER status_tags_render_deleted AFTER DELETE ON status_tags REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER status_preview_cards_render_inserted AFTER INSERT ON status_preview_cards REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER status_preview_cards_render_updated AFTER UPDATE ON status_preview_cards REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER status_preview_cards_render_deleted AFTER DELETE ON status_preview_cards REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
-- Only a poll's presence is kept: its options, counts and the viewer's votes are read with every page.
CREATE TRIGGER polls_render_inserted AFTER INSERT ON polls REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE TRIGGER polls_render_deleted AFTER DELETE ON polls REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_status_parts_changed();--> statement-breakpoint
CREATE OR REPLACE FUNCTION rookery_card_render_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE statuses SET render_version = render_version + 1
    WHERE id IN (SELECT status_id FROM status_preview_cards WHERE card_id = NEW.id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER preview_cards_render_changed AFTER UPDATE ON preview_cards
  FOR EACH ROW EXECUTE FUNCTION rookery_card_render_changed();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION rookery_app_render_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE statuses SET render_version = render_version + 1 WHERE application_id = NEW.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER oauth_apps_render_changed AFTER UPDATE OF name, website ON oauth_apps
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.website IS DISTINCT FROM NEW.website)
  EXECUTE FUNCTION rookery_app_render_changed();
--> statement-breakpoint
-- A mention shows the mentioned account's acct and link.
CREATE OR REPLACE FUNCTION rookery_mentioned_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE statuses SET render_version = render_version + 1
    WHERE id IN (SELECT status_id FROM status_mentions WHERE account_id = NEW.id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER accounts_mention_render_changed AFTER UPDATE OF username, domain, url, uri ON accounts
  FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.domain IS DISTINCT FROM NEW.domain
    OR OLD.url IS DISTINCT FROM NEW.url OR OLD.uri IS DISTINCT FROM NEW.uri)
  EXECUTE FUNCTION rookery_mentioned_account_changed();
--> statement-breakpoint
-- Custom emoji are kept per shortcode and domain, whatever uses them: every process drops what it kept on a change.
-- Per row, so that a statement changing nothing (a remote emoji seen again) tells nobody; PostgreSQL sends one
-- notification per transaction however many rows changed.
CREATE OR REPLACE FUNCTION rookery_emoji_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rookery_render', 'emoji');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER custom_emojis_render_changed AFTER INSERT OR UPDATE OR DELETE ON custom_emojis
  FOR EACH ROW EXECUTE FUNCTION rookery_emoji_changed();
--> statement-breakpoint
CREATE TRIGGER custom_emojis_render_truncated AFTER TRUNCATE ON custom_emojis
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_emoji_changed();
