CREATE TABLE "scrobbles" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"uri" text,
	"title" text NOT NULL,
	"artist" text,
	"album" text,
	"length" integer,
	"external_link" text,
	"visibility" text DEFAULT 'public' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "avatar_remote_url" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "header_remote_url" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "profile_media_cached_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "profile_media_bytes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "media_attachments" ADD COLUMN "cached_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "scrobbles" ADD CONSTRAINT "scrobbles_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "scrobbles_uri_uniq" ON "scrobbles" USING btree ("uri");--> statement-breakpoint
CREATE INDEX "scrobbles_account_idx" ON "scrobbles" USING btree ("account_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "accounts_profile_media_cached_idx" ON "accounts" USING btree ("profile_media_cached_at") WHERE "accounts"."profile_media_cached_at" is not null;--> statement-breakpoint
CREATE INDEX "media_attachments_cached_idx" ON "media_attachments" USING btree ("cached_at") WHERE "media_attachments"."cached_at" is not null;--> statement-breakpoint
UPDATE "accounts" SET "avatar_remote_url" = "avatar_url", "header_remote_url" = "header_url" WHERE "domain" IS NOT NULL;