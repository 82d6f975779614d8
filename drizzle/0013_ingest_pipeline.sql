CREATE TABLE "ingest_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"delivery_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"path" text NOT NULL,
	"kind" text NOT NULL,
	"lane" text NOT NULL,
	"route_by" text NOT NULL,
	"phone_number_id" text,
	"waba_id" text,
	"workspace_id" uuid,
	"business_number_id" uuid,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"timestamp_substituted" boolean DEFAULT false NOT NULL,
	"body" jsonb,
	"done_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingest_items_delivery_position_key" UNIQUE("delivery_id","position"),
	CONSTRAINT "ingest_items_state" CHECK ("ingest_items"."state" in ('pending', 'done', 'unrouted', 'quarantined'))
);
--> statement-breakpoint
ALTER TABLE "ingest_items" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "outbox_events" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"conversation_id" uuid NOT NULL,
	"message_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_events_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "outbox_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ingest_items" ADD CONSTRAINT "ingest_items_delivery_id_webhook_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."webhook_deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ingest_items" ADD CONSTRAINT "ingest_items_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox_events" ADD CONSTRAINT "outbox_events_tenant_id_workspaces_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ingest_items_due_idx" ON "ingest_items" USING btree ("workspace_id","lane","run_at") WHERE "ingest_items"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "ingest_items_unrouted_number_idx" ON "ingest_items" USING btree ("phone_number_id") WHERE "ingest_items"."state" = 'unrouted';--> statement-breakpoint
CREATE INDEX "ingest_items_unrouted_waba_idx" ON "ingest_items" USING btree ("waba_id") WHERE "ingest_items"."state" = 'unrouted';--> statement-breakpoint
CREATE INDEX "ingest_items_quarantined_idx" ON "ingest_items" USING btree ("created_at") WHERE "ingest_items"."state" = 'quarantined';--> statement-breakpoint
CREATE INDEX "outbox_events_created_idx" ON "outbox_events" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE POLICY "ingest_items_routed_workspace" ON "ingest_items" AS PERMISSIVE FOR ALL TO "switchboard_tenant" USING (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (workspace_id = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "outbox_events" AS PERMISSIVE FOR ALL TO "switchboard_tenant" USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
-- outbox_events is workspace-owned: forced row-level security and DML for the tenant role.
SELECT switchboard_secure_tenant_tables();
--> statement-breakpoint
-- ingest_items is a platform table whose routed rows the tenant role may read and mark (not
-- insert or delete): applying an item and marking it done commit in one tenant transaction.
-- Row-level security is enabled, not forced: the platform connection (the owner) splits,
-- routes and quarantines across workspaces.
GRANT SELECT, UPDATE ON "ingest_items" TO switchboard_tenant;
--> statement-breakpoint
-- Deliveries the old path left unfinished (received or failed), and those with changes still
-- unrouted, are split again by the new pipeline: splitting is idempotent (unique per delivery
-- and position), and so is applying (unique per wamid).
UPDATE "webhook_deliveries" d SET "state" = 'received'
WHERE d."state" = 'failed'
   OR EXISTS (SELECT 1 FROM "unrouted_items" u WHERE u."delivery_id" = d."id" AND u."claimed_at" IS NULL);
--> statement-breakpoint
INSERT INTO "jobs" ("queue", "payload", "dedupe_key", "max_attempts")
SELECT 'ingest-split', jsonb_build_object('deliveryId', d."id"), d."id"::text, 20
FROM "webhook_deliveries" d
WHERE d."state" = 'received'
ON CONFLICT DO NOTHING;
--> statement-breakpoint
DROP TABLE "unrouted_items" CASCADE;
