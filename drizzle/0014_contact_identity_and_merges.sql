-- Issue 15: contacts keep the profile name's time and a name of the business's own; merged-away
-- conversations lead to their survivor. conversation_merges is workspace-owned: secured below.
CREATE TABLE "conversation_merges" (
	"tenant_id" uuid NOT NULL,
	"merged_id" uuid NOT NULL,
	"survivor_id" uuid NOT NULL,
	"merged_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_merges_tenant_id_merged_id_pk" PRIMARY KEY("tenant_id","merged_id")
);
--> statement-breakpoint
ALTER TABLE "conversation_merges" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "profile_name_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "business_name" text;--> statement-breakpoint
ALTER TABLE "conversation_merges" ADD CONSTRAINT "conversation_merges_tenant_id_workspaces_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_merges" ADD CONSTRAINT "conversation_merges_survivor_fk" FOREIGN KEY ("tenant_id","survivor_id") REFERENCES "public"."conversations"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversation_merges_survivor_idx" ON "conversation_merges" USING btree ("tenant_id","survivor_id");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "conversation_merges" AS PERMISSIVE FOR ALL TO "switchboard_tenant" USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
SELECT switchboard_secure_tenant_tables();
