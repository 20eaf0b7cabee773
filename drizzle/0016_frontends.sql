CREATE TABLE "frontend_setting_profiles" (
	"user_id" uuid NOT NULL,
	"frontend_name" text NOT NULL,
	"profile_name" text NOT NULL,
	"version" integer NOT NULL,
	"settings" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "frontend_setting_profiles_user_id_frontend_name_profile_name_pk" PRIMARY KEY("user_id","frontend_name","profile_name")
);
--> statement-breakpoint
CREATE TABLE "instance_frontends" (
	"role" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"ref" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "frontend_setting_profiles" ADD CONSTRAINT "frontend_setting_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;