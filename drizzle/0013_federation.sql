CREATE TABLE "account_keys" (
	"owner" text PRIMARY KEY NOT NULL,
	"rsa_public" jsonb NOT NULL,
	"rsa_private" jsonb NOT NULL,
	"ed25519_public" jsonb NOT NULL,
	"ed25519_private" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "federation_kv" (
	"key" text[] PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "instance_identity" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"domain" text NOT NULL,
	"base_url" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "instance_identity_single_row" CHECK ("instance_identity"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "remote_actors" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"inbox_url" text NOT NULL,
	"shared_inbox_url" text,
	"followers_url" text,
	"following_url" text,
	"outbox_url" text,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "follow_requests" ADD COLUMN "uri" text;--> statement-breakpoint
ALTER TABLE "follows" ADD COLUMN "uri" text;--> statement-breakpoint
ALTER TABLE "remote_actors" ADD CONSTRAINT "remote_actors_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "federation_kv_expires_idx" ON "federation_kv" USING btree ("expires_at") WHERE "federation_kv"."expires_at" is not null;--> statement-breakpoint
CREATE INDEX "remote_actors_shared_inbox_idx" ON "remote_actors" USING btree ("shared_inbox_url");