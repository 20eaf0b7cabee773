ALTER TABLE "accounts" ADD COLUMN "render_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- An account's render_version changes, in the same transaction, with anything a page keeps of it in the render
-- cache: any column of its row (counters included), what an Account entity shows of its user, and its remote actor's
-- chat acceptance. The user columns are those of ACCOUNT_USER_KEYS in src/server/render/account.ts.
CREATE OR REPLACE FUNCTION rookery_account_render_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW IS DISTINCT FROM OLD THEN
    NEW.render_version := OLD.render_version + 1;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER accounts_render_changed BEFORE UPDATE ON accounts
  FOR EACH ROW EXECUTE FUNCTION rookery_account_render_changed();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION rookery_account_part_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE accounts SET render_version = render_version + 1 WHERE id = OLD.account_id;
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.account_id IS DISTINCT FROM OLD.account_id) THEN
    UPDATE accounts SET render_version = render_version + 1 WHERE id = NEW.account_id;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER users_account_render_inserted AFTER INSERT OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION rookery_account_part_changed();
--> statement-breakpoint
CREATE TRIGGER users_account_render_updated AFTER UPDATE OF account_id, is_admin, is_moderator, is_active, is_approved, confirmed_at,
    tags, show_role, allow_following_move, accepts_chat_messages, skip_thread_containment, email, notification_settings ON users
  FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.is_admin IS DISTINCT FROM NEW.is_admin
    OR OLD.is_moderator IS DISTINCT FROM NEW.is_moderator OR OLD.is_active IS DISTINCT FROM NEW.is_active
    OR OLD.is_approved IS DISTINCT FROM NEW.is_approved OR OLD.confirmed_at IS DISTINCT FROM NEW.confirmed_at
    OR OLD.tags IS DISTINCT FROM NEW.tags OR OLD.show_role IS DISTINCT FROM NEW.show_role
    OR OLD.allow_following_move IS DISTINCT FROM NEW.allow_following_move
    OR OLD.accepts_chat_messages IS DISTINCT FROM NEW.accepts_chat_messages
    OR OLD.skip_thread_containment IS DISTINCT FROM NEW.skip_thread_containment OR OLD.email IS DISTINCT FROM NEW.email
    OR OLD.notification_settings IS DISTINCT FROM NEW.notification_settings)
  EXECUTE FUNCTION rookery_account_part_changed();
--> statement-breakpoint
CREATE TRIGGER remote_actors_account_render_inserted AFTER INSERT OR DELETE ON remote_actors
  FOR EACH ROW EXECUTE FUNCTION rookery_account_part_changed();
--> statement-breakpoint
CREATE TRIGGER remote_actors_account_render_updated AFTER UPDATE OF account_id, accepts_chat_messages ON remote_actors
  FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.accepts_chat_messages IS DISTINCT FROM NEW.accepts_chat_messages)
  EXECUTE FUNCTION rookery_account_part_changed();
