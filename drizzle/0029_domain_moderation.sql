CREATE TABLE "instance_domain_allows" (
	"id" uuid PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "instance_domain_allows_domain_unique" UNIQUE("domain")
);
--> statement-breakpoint
ALTER TABLE "instance_domain_blocks" ADD COLUMN "id" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
ALTER TABLE "instance_domain_blocks" ADD COLUMN "reject_media" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "instance_domain_blocks" ADD COLUMN "reject_reports" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "instance_domain_blocks" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "instance_domain_blocks" ADD CONSTRAINT "instance_domain_blocks_id_unique" UNIQUE("id");