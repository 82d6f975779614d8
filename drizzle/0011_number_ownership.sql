CREATE TABLE "waba_owners" (
	"waba_id" text PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"proven_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "business_numbers" ADD COLUMN "verified_name" text;--> statement-breakpoint
ALTER TABLE "business_numbers" ADD COLUMN "quality_rating" text;--> statement-breakpoint
ALTER TABLE "business_numbers" ADD COLUMN "messaging_limit" text;--> statement-breakpoint
ALTER TABLE "business_numbers" ADD COLUMN "verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "business_numbers" ADD COLUMN "app_subscribed" boolean;--> statement-breakpoint
ALTER TABLE "business_numbers" ADD COLUMN "checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "business_numbers" ADD COLUMN "check_problem" text;--> statement-breakpoint
ALTER TABLE "waba_owners" ADD CONSTRAINT "waba_owners_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;