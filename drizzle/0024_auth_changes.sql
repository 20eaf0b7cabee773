-- Tells every process (LISTEN rookery_auth) that what a bearer token stands for may have changed, once the change
-- commits: each then drops its cache of token → viewer. Statement-level and column-bound, so counters and
-- last-use stamps do not fire it.
CREATE OR REPLACE FUNCTION rookery_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rookery_auth', '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER oauth_tokens_auth_changed AFTER UPDATE OF revoked_at, expires_at, scopes, token_hash, user_id OR DELETE ON oauth_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_auth_changed();
--> statement-breakpoint
CREATE TRIGGER users_auth_changed AFTER UPDATE OF is_active, is_approved, confirmed_at, is_admin, is_moderator, account_id OR DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_auth_changed();
--> statement-breakpoint
CREATE TRIGGER accounts_auth_changed AFTER UPDATE OF username, suspended_at OR DELETE ON accounts
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_auth_changed();
