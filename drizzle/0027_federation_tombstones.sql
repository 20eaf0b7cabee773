CREATE TABLE "status_tombstones" (
	"uri" text PRIMARY KEY NOT NULL,
	"account_id" uuid,
	"local" boolean DEFAULT false NOT NULL,
	"deleted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "remote_actors" ADD COLUMN "accepts_chat_messages" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "status_tombstones" ADD CONSTRAINT "status_tombstones_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "status_tombstones_deleted_at_idx" ON "status_tombstones" USING btree ("deleted_at");