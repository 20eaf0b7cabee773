CREATE TABLE "instance_domain_blocks" (
	"domain" text PRIMARY KEY NOT NULL,
	"severity" text DEFAULT 'suspend' NOT NULL,
	"public_comment" text,
	"private_comment" text,
	"obfuscate" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
