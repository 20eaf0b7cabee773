CREATE TABLE "preview_cards" (
	"id" uuid PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"type" text DEFAULT 'link' NOT NULL,
	"title" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"author_name" text DEFAULT '' NOT NULL,
	"author_url" text DEFAULT '' NOT NULL,
	"provider_name" text DEFAULT '' NOT NULL,
	"provider_url" text DEFAULT '' NOT NULL,
	"html" text DEFAULT '' NOT NULL,
	"width" integer DEFAULT 0 NOT NULL,
	"height" integer DEFAULT 0 NOT NULL,
	"image_key" text,
	"image_width" integer,
	"image_height" integer,
	"blurhash" text,
	"embed_url" text DEFAULT '' NOT NULL,
	"language" text,
	"published_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "status_preview_cards" (
	"status_id" uuid PRIMARY KEY NOT NULL,
	"card_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trends" (
	"kind" text NOT NULL,
	"target_id" uuid NOT NULL,
	"score" double precision DEFAULT 0 NOT NULL,
	"accounts" integer DEFAULT 0 NOT NULL,
	"uses" integer DEFAULT 0 NOT NULL,
	"review" text,
	"reviewed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trends_kind_target_id_pk" PRIMARY KEY("kind","target_id")
);
--> statement-breakpoint
ALTER TABLE "status_preview_cards" ADD CONSTRAINT "status_preview_cards_status_id_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_preview_cards" ADD CONSTRAINT "status_preview_cards_card_id_preview_cards_id_fk" FOREIGN KEY ("card_id") REFERENCES "public"."preview_cards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "preview_cards_url_uniq" ON "preview_cards" USING btree ("url");--> statement-breakpoint
CREATE INDEX "status_preview_cards_card_idx" ON "status_preview_cards" USING btree ("card_id");--> statement-breakpoint
CREATE INDEX "trends_rank_idx" ON "trends" USING btree ("kind","score" DESC NULLS LAST) WHERE "trends"."score" > 0;