CREATE TABLE "tag_history_days" (
	"tag_id" uuid NOT NULL,
	"day" integer NOT NULL,
	"uses" integer NOT NULL,
	"accounts" integer NOT NULL,
	"counted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "tag_history_days_tag_id_day_pk" PRIMARY KEY("tag_id","day")
);
--> statement-breakpoint
ALTER TABLE "tag_history_days" ADD CONSTRAINT "tag_history_days_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;