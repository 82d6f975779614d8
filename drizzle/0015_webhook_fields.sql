CREATE TABLE "account_notices" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"waba_id" text NOT NULL,
	"field" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"kind" text NOT NULL,
	"subject" text,
	"severity" text,
	"alert_status" text,
	"description" text,
	"restrictions" jsonb,
	"payload" jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "account_notices_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "account_notices_dedupe_key" UNIQUE("tenant_id","dedupe_key")
);
--> statement-breakpoint
ALTER TABLE "account_notices" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "message_templates" ALTER COLUMN "components" SET DEFAULT '[]'::jsonb;--> statement-breakpoint
ALTER TABLE "message_templates" ALTER COLUMN "synced_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "business_numbers" ADD COLUMN "quality_event" text;--> statement-breakpoint
ALTER TABLE "business_numbers" ADD COLUMN "quality_event_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "marketing_preference" text;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "marketing_preference_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "message_templates" ADD COLUMN "status" text DEFAULT 'APPROVED' NOT NULL;--> statement-breakpoint
ALTER TABLE "message_templates" ADD COLUMN "status_event" text;--> statement-breakpoint
ALTER TABLE "message_templates" ADD COLUMN "status_reason" text;--> statement-breakpoint
ALTER TABLE "message_templates" ADD COLUMN "status_detail" text;--> statement-breakpoint
ALTER TABLE "message_templates" ADD COLUMN "status_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "message_templates" ADD COLUMN "quality_score" text;--> statement-breakpoint
ALTER TABLE "message_templates" ADD COLUMN "quality_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "from_business_app" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "account_notices" ADD CONSTRAINT "account_notices_tenant_id_workspaces_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "account_notices_recent_idx" ON "account_notices" USING btree ("tenant_id","occurred_at" DESC NULLS LAST);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "account_notices" AS PERMISSIVE FOR ALL TO "switchboard_tenant" USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE TABLE "applied_field_events" (
	"tenant_id" uuid NOT NULL,
	"event_key" text NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "applied_field_events_tenant_id_event_key_pk" PRIMARY KEY("tenant_id","event_key")
);
--> statement-breakpoint
ALTER TABLE "applied_field_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "applied_field_events" ADD CONSTRAINT "applied_field_events_tenant_id_workspaces_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "applied_field_events" AS PERMISSIVE FOR ALL TO "switchboard_tenant" USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
-- account_notices and applied_field_events are workspace-owned: force row-level security on it and grant DML to the tenant role.
SELECT switchboard_secure_tenant_tables();
