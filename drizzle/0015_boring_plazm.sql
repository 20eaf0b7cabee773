CREATE TABLE "instance_frontends" (
	"role" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"ref" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
