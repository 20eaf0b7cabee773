CREATE TABLE "admin_settings" (
	"group" text NOT NULL,
	"key" text NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "admin_settings_group_key_pk" PRIMARY KEY("group","key")
);
--> statement-breakpoint
CREATE TABLE "known_instances" (
	"domain" text PRIMARY KEY NOT NULL,
	"software_name" text,
	"software_version" text,
	"nodeinfo_requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"nodeinfo_fetched_at" timestamp with time zone,
	"nodeinfo_error" text,
	"last_success_at" timestamp with time zone,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Tells every process (LISTEN rookery_config) that an admin changed a setting, once the change commits.
CREATE OR REPLACE FUNCTION rookery_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rookery_config', '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER admin_settings_changed AFTER INSERT OR UPDATE OR DELETE ON admin_settings
  FOR EACH STATEMENT EXECUTE FUNCTION rookery_config_changed();
